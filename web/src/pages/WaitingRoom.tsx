import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { deviceOf, listDevices, openDevice, preferredConstraints, rememberDevice, storedDevices, type DeviceChoice, type DeviceKind, type DeviceLists } from '../call/devices.ts';
import { loadRtcConfiguration } from '../call/ice.ts';
import { ConsentChoice } from '../components/ConsentChoice.tsx';
import { DevicePicker, MicLevel, SpeakerTest } from '../components/DevicePicker.tsx';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { InviteShare } from '../components/InviteShare.tsx';
import { VideoTile } from '../components/VideoTile.tsx';
import { formatTime, languageName, listFormat } from '../format.ts';
import i18n from '../i18n/index.ts';
import type { Session, User } from '../types.ts';

/** What the waiting room hands to the call: our media (`null`: none allowed) and choices. */
export interface MediaChoice {
  stream: MediaStream | null;
  micEnabled: boolean;
  cameraEnabled: boolean;
  /** Record my audio (seed 000 section 5.4). */
  recordingConsent: boolean;
  /** The speaker chosen for the others' sound (`setSinkId`), if any. */
  speakerId?: string;
}

/** One line about the session: language, level, topic, and when or how big. */
export function sessionSummary(session: Session): string {
  const t = (key: string, values?: Record<string, unknown>) => i18n.t(key as never, values as never) as unknown as string;
  const parts = [`${languageName(session.targetLanguageCode)}${session.level ? ` ${session.level}` : ''}`];
  if (session.topicTitle) parts.push(session.topicTitle);
  if (session.type === 'private') parts.push(session.maxParticipants ? t('waiting.privateFor', { count: session.maxParticipants }) : t('waiting.private'));
  else parts.push(`${formatTime(session.scheduledStartAt)}–${formatTime(session.scheduledEndAt)}`);
  return parts.join(' · ');
}

const EMPTY_LISTS: DeviceLists = { audioinput: [], videoinput: [], audiooutput: [] };

/**
 * Before entering the call (seed 000 §3.2): asks for camera and microphone (the devices chosen
 * last time preferred), shows the preview and a live microphone level, lets the user pick camera,
 * microphone and speaker (with a test sound) and mic/camera on or off, and asks the recording
 * consent (preset with the choice already made when creating or joining a private session).
 * Without device permission the user may still enter, receive-only. A private session's invite
 * code is shown for sharing.
 */
export function WaitingRoom({
  session,
  user,
  consentPreset,
  error,
  onEnter,
  onCancel,
}: {
  session: Session;
  user: User;
  consentPreset: boolean | null;
  error?: unknown;
  onEnter: (choice: MediaChoice) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const [stream, setStream] = useState<MediaStream | null>(null);
  const [mediaError, setMediaError] = useState<string | null>(null);
  const [asking, setAsking] = useState(true);
  const [micEnabled, setMic] = useState(true);
  const [cameraEnabled, setCamera] = useState(true);
  const [consent, setConsent] = useState<boolean | null>(consentPreset);
  const [entering, setEntering] = useState(false);
  const [lists, setLists] = useState<DeviceLists>(EMPTY_LISTS);
  const [choice, setChoice] = useState<DeviceChoice>(() => ({ audiooutput: storedDevices().audiooutput }));
  const [switching, setSwitching] = useState(false);
  const [deviceError, setDeviceError] = useState<unknown>(null);
  const handedOver = useRef(false);
  const streamRef = useRef<MediaStream | null>(null);

  const refreshDevices = useCallback(() => {
    listDevices().then(setLists, () => undefined);
  }, []);

  useEffect(() => {
    // Warm the ICE server cache while the user looks at the preview.
    void loadRtcConfiguration();
  }, []);

  useEffect(() => {
    // Entering failed (e.g. the consent was not saved): the preview stays ours.
    if (error) {
      setEntering(false);
      handedOver.current = false;
    }
  }, [error]);

  useEffect(() => {
    let cancelled = false;
    if (!navigator.mediaDevices?.getUserMedia) {
      setMediaError(t('waiting.insecure'));
      setAsking(false);
      return;
    }
    navigator.mediaDevices
      .getUserMedia(preferredConstraints(storedDevices()))
      .then((s) => {
        if (cancelled) {
          s.getTracks().forEach((track) => track.stop());
          return;
        }
        streamRef.current = s;
        setStream(s);
        setChoice((c) => ({ ...c, audioinput: deviceOf(s.getAudioTracks()[0]), videoinput: deviceOf(s.getVideoTracks()[0]) }));
        refreshDevices();
      })
      .catch((err: Error) => {
        if (!cancelled) setMediaError(t('waiting.unavailable', { detail: err.message || err.name }));
      })
      .finally(() => {
        if (!cancelled) setAsking(false);
      });
    navigator.mediaDevices.addEventListener?.('devicechange', refreshDevices);
    return () => {
      cancelled = true;
      navigator.mediaDevices.removeEventListener?.('devicechange', refreshDevices);
      // Stop the devices unless the stream was handed to the call.
      if (!handedOver.current) streamRef.current?.getTracks().forEach((track) => track.stop());
      streamRef.current = null;
    };
    // The texts are read once: a language switch does not ask for the devices again.
  }, [refreshDevices]);

  useEffect(() => {
    stream?.getAudioTracks().forEach((track) => (track.enabled = micEnabled));
    stream?.getVideoTracks().forEach((track) => (track.enabled = cameraEnabled));
  }, [stream, micEnabled, cameraEnabled]);

  /** Another camera or microphone: opened, swapped into the preview, the old one stopped. */
  const pick = async (kind: DeviceKind, deviceId: string) => {
    setDeviceError(null);
    rememberDevice(kind, deviceId);
    if (kind === 'audiooutput') return setChoice((c) => ({ ...c, audiooutput: deviceId }));
    const current = streamRef.current;
    if (!current) return;
    setSwitching(true);
    try {
      const track = await openDevice(kind, deviceId);
      const old = kind === 'audioinput' ? current.getAudioTracks() : current.getVideoTracks();
      const next = new MediaStream([...current.getTracks().filter((tr) => !old.includes(tr)), track]);
      old.forEach((tr) => tr.stop());
      streamRef.current = next;
      setStream(next);
      setChoice((c) => ({ ...c, [kind]: deviceOf(track) ?? deviceId }));
    } catch (err) {
      setDeviceError(err);
    } finally {
      setSwitching(false);
    }
  };

  const hasAudio = (stream?.getAudioTracks().length ?? 0) > 0;
  const hasVideo = (stream?.getVideoTracks().length ?? 0) > 0;

  const enter = () => {
    if (consent === null) return;
    handedOver.current = true;
    setEntering(true);
    onEnter({ stream, micEnabled: hasAudio && micEnabled, cameraEnabled: hasVideo && cameraEnabled, recordingConsent: consent, speakerId: choice.audiooutput });
  };

  return (
    <main className="narrow" data-testid="waiting-room" data-media={asking ? 'asking' : stream ? 'ready' : 'unavailable'}>
      <h1>{t('waiting.title')}</h1>
      <p className="muted" data-testid="session-summary">
        {sessionSummary(session)} · {session.status === 'waiting' ? (session.type === 'private' ? t('waiting.startsWithHost') : t('waiting.startsSoon')) : t('waiting.inProgress')}
      </p>
      {session.type === 'private' && session.inviteCode && <InviteShare code={session.inviteCode} />}
      <VideoTile name={t('call.you', { name: user.name })} stream={stream} micEnabled={micEnabled && hasAudio} cameraEnabled={cameraEnabled && hasVideo} local />
      {asking && <p className="muted">{t('waiting.asking')}</p>}
      {mediaError && (
        <div className="error" role="alert" data-testid="media-error">
          {mediaError}
        </div>
      )}
      <div className="controls">
        <button data-testid="preview-toggle-mic" aria-pressed={!micEnabled} disabled={!hasAudio} onClick={() => setMic((v) => !v)}>
          {micEnabled ? t('waiting.muteMic') : t('waiting.unmuteMic')}
        </button>
        <button data-testid="preview-toggle-camera" aria-pressed={!cameraEnabled} disabled={!hasVideo} onClick={() => setCamera((v) => !v)}>
          {cameraEnabled ? t('waiting.cameraOff') : t('waiting.cameraOn')}
        </button>
      </div>
      {stream && (
        <section className="card precall" data-testid="precall-check" aria-labelledby="precall-title">
          <h2 id="precall-title">{t('devices.title')}</h2>
          <DevicePicker lists={lists} choice={choice} onChange={(kind, id) => void pick(kind, id)} disabled={switching} />
          <MicLevel track={stream.getAudioTracks()[0] ?? null} />
          <div className="controls">
            <SpeakerTest speakerId={choice.audiooutput} />
          </div>
          {deviceError !== null && (
            <div className="error" role="alert" data-testid="device-error">
              {t('devices.failed')}
            </div>
          )}
        </section>
      )}
      {session.participants.length > 0 && <p className="muted small">{t('waiting.group', { names: listFormat(session.participants.map((p) => p.displayName)) })}</p>}
      <ConsentChoice name="waiting-room-consent" value={consent} onChange={setConsent} />
      <ErrorMessage error={error} testId="enter-error" />
      <div className="controls">
        <button className="primary" data-testid="enter-call" disabled={asking || consent === null || entering || switching} onClick={enter}>
          {stream ? t('waiting.enter') : t('waiting.enterWithout')}
        </button>
        <button onClick={onCancel}>{t('common.back')}</button>
      </div>
    </main>
  );
}
