import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { canChooseSpeaker, levelToMeter, routeToSpeaker, type DeviceChoice, type DeviceKind, type DeviceLists } from '../call/devices.ts';
import { VoiceActivityDetector } from '../call/voice-activity.ts';

/**
 * Camera, microphone and (where the browser can route sound, `setSinkId`) speaker pickers, from
 * `enumerateDevices`. A device without a label (before permission) reads as "Camera 2".
 */
export function DevicePicker({ lists, choice, onChange, disabled }: { lists: DeviceLists; choice: DeviceChoice; onChange: (kind: DeviceKind, deviceId: string) => void; disabled?: boolean }) {
  const { t } = useTranslation();
  const kinds: DeviceKind[] = ['videoinput', 'audioinput', ...(canChooseSpeaker() && lists.audiooutput.length > 0 ? (['audiooutput'] as const) : [])];
  return (
    <div className="device-picker" data-testid="device-picker">
      {kinds.map((kind) => (
        <label key={kind}>
          {t(`devices.${kind}`)}
          <select
            data-testid={`device-${kind}`}
            value={choice[kind] ?? lists[kind][0]?.deviceId ?? ''}
            disabled={disabled || lists[kind].length === 0}
            onChange={(e) => onChange(kind, e.target.value)}
          >
            {lists[kind].length === 0 && <option value="">{t('devices.none')}</option>}
            {lists[kind].map((d, i) => (
              <option key={d.deviceId || i} value={d.deviceId}>
                {d.label || t(`devices.unnamed.${kind}`, { n: i + 1 })}
              </option>
            ))}
          </select>
        </label>
      ))}
    </div>
  );
}

/** A live level meter of a microphone track (Web Audio `AnalyserNode`, 10 readings a second). */
export function MicLevel({ track }: { track: MediaStreamTrack | null }) {
  const { t } = useTranslation();
  const [level, setLevel] = useState(0);
  useEffect(() => {
    if (!track) return;
    const detector = new VoiceActivityDetector(track, () => undefined);
    detector.start();
    const id = setInterval(() => setLevel(levelToMeter(detector.level)), 100);
    return () => {
      clearInterval(id);
      detector.stop();
      setLevel(0);
    };
  }, [track]);
  return (
    <label className="mic-level">
      {t('devices.level')}
      <meter data-testid="mic-level" data-level={level.toFixed(2)} min={0} max={1} low={0.25} high={0.9} optimum={0.6} value={level} />
      <span className="muted small">{level > 0.25 ? t('devices.hearing') : t('devices.speakToTest')}</span>
    </label>
  );
}

/** Plays a short tone on the chosen speaker, to check it before entering the call. */
export function SpeakerTest({ speakerId }: { speakerId: string | undefined }) {
  const { t } = useTranslation();
  const [playing, setPlaying] = useState(false);
  const audio = useRef<HTMLAudioElement | null>(null);
  useEffect(() => () => audio.current?.pause(), []);
  const play = async () => {
    if (typeof AudioContext !== 'function') return;
    setPlaying(true);
    const context = new AudioContext();
    const destination = context.createMediaStreamDestination();
    const tone = context.createOscillator();
    const gain = context.createGain();
    tone.frequency.value = 660;
    gain.gain.setValueAtTime(0.2, context.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, context.currentTime + 0.8);
    tone.connect(gain).connect(destination);
    const el = new Audio();
    audio.current = el;
    el.srcObject = destination.stream;
    await routeToSpeaker(el, speakerId);
    tone.start();
    tone.stop(context.currentTime + 0.8);
    await el.play().catch(() => undefined);
    tone.onended = () => {
      el.pause();
      void context.close();
      setPlaying(false);
    };
  };
  return (
    <button type="button" data-testid="speaker-test" data-state={playing ? 'playing' : 'idle'} disabled={playing} onClick={() => void play()}>
      {playing ? t('devices.playing') : t('devices.testSpeaker')}
    </button>
  );
}
