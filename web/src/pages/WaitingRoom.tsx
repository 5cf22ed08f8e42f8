import { useEffect, useRef, useState } from 'react';
import { VideoTile } from '../components/VideoTile.tsx';
import { formatTime, languageName } from '../format.ts';
import type { Session, User } from '../types.ts';

export interface MediaChoice {
  stream: MediaStream | null;
  micEnabled: boolean;
  cameraEnabled: boolean;
}

/**
 * Before entering the call: asks for camera and microphone, shows the preview and lets the user
 * pick mic/camera on or off. Without permission the user may still enter, receive-only.
 */
export function WaitingRoom({ session, user, onEnter, onCancel }: { session: Session; user: User; onEnter: (choice: MediaChoice) => void; onCancel: () => void }) {
  const [stream, setStream] = useState<MediaStream | null>(null);
  const [mediaError, setMediaError] = useState<string | null>(null);
  const [asking, setAsking] = useState(true);
  const [micEnabled, setMic] = useState(true);
  const [cameraEnabled, setCamera] = useState(true);
  const handedOver = useRef(false);
  const streamRef = useRef<MediaStream | null>(null);

  useEffect(() => {
    let cancelled = false;
    if (!navigator.mediaDevices?.getUserMedia) {
      setMediaError('This browser cannot access a camera or microphone here (a secure origin, https or localhost, is required).');
      setAsking(false);
      return;
    }
    navigator.mediaDevices
      .getUserMedia({ audio: true, video: { width: { ideal: 640 }, height: { ideal: 480 } } })
      .then((s) => {
        if (cancelled) {
          s.getTracks().forEach((t) => t.stop());
          return;
        }
        streamRef.current = s;
        setStream(s);
      })
      .catch((err: Error) => {
        if (!cancelled) setMediaError(`Camera and microphone unavailable: ${err.message || err.name}`);
      })
      .finally(() => {
        if (!cancelled) setAsking(false);
      });
    return () => {
      cancelled = true;
      // Stop the devices unless the stream was handed to the call.
      if (!handedOver.current) streamRef.current?.getTracks().forEach((t) => t.stop());
      streamRef.current = null;
    };
  }, []);

  useEffect(() => {
    stream?.getAudioTracks().forEach((t) => (t.enabled = micEnabled));
    stream?.getVideoTracks().forEach((t) => (t.enabled = cameraEnabled));
  }, [stream, micEnabled, cameraEnabled]);

  const hasAudio = (stream?.getAudioTracks().length ?? 0) > 0;
  const hasVideo = (stream?.getVideoTracks().length ?? 0) > 0;

  const enter = () => {
    handedOver.current = true;
    onEnter({ stream, micEnabled: hasAudio && micEnabled, cameraEnabled: hasVideo && cameraEnabled });
  };

  return (
    <main className="narrow" data-testid="waiting-room" data-media={asking ? 'asking' : stream ? 'ready' : 'unavailable'}>
      <h1>Waiting room</h1>
      <p className="muted">
        {languageName(session.targetLanguageCode)} {session.level} · {formatTime(session.scheduledStartAt)}–{formatTime(session.scheduledEndAt)}
        {session.status === 'waiting' ? ' · starts soon' : ' · in progress'}
      </p>
      <VideoTile name={`${user.name} (you)`} stream={stream} micEnabled={micEnabled && hasAudio} cameraEnabled={cameraEnabled && hasVideo} local />
      {asking && <p className="muted">Asking for camera and microphone…</p>}
      {mediaError && (
        <div className="error" role="alert" data-testid="media-error">
          {mediaError}
        </div>
      )}
      <div className="controls">
        <button data-testid="preview-toggle-mic" disabled={!hasAudio} onClick={() => setMic((v) => !v)}>
          {micEnabled ? 'Mute microphone' : 'Unmute microphone'}
        </button>
        <button data-testid="preview-toggle-camera" disabled={!hasVideo} onClick={() => setCamera((v) => !v)}>
          {cameraEnabled ? 'Turn camera off' : 'Turn camera on'}
        </button>
      </div>
      {session.participants.length > 0 && (
        <p className="muted small">In this group: {session.participants.map((p) => p.displayName).join(', ')}</p>
      )}
      <div className="controls">
        <button className="primary" data-testid="enter-call" disabled={asking} onClick={enter}>
          {stream ? 'Enter call' : 'Enter without camera and microphone'}
        </button>
        <button onClick={onCancel}>Back</button>
      </div>
    </main>
  );
}
