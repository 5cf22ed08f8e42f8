import { useEffect, useRef, useState } from 'react';
import { loadRtcConfiguration } from '../call/ice.ts';
import { mediaConstraints } from '../call/media.ts';
import { ConsentChoice } from '../components/ConsentChoice.tsx';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { InviteShare } from '../components/InviteShare.tsx';
import { VideoTile } from '../components/VideoTile.tsx';
import { formatTime, languageName } from '../format.ts';
import type { Session, User } from '../types.ts';

/** What the waiting room hands to the call: our media (`null`: none allowed) and choices. */
export interface MediaChoice {
  stream: MediaStream | null;
  micEnabled: boolean;
  cameraEnabled: boolean;
  /** Record my audio (seed 000 section 5.4). */
  recordingConsent: boolean;
}

/** One line about the session: language, level, topic, and when or how big. */
export function sessionSummary(session: Session): string {
  const parts = [`${languageName(session.targetLanguageCode)}${session.level ? ` ${session.level}` : ''}`];
  if (session.topicTitle) parts.push(session.topicTitle);
  if (session.type === 'private') parts.push(`private session${session.maxParticipants ? ` for up to ${session.maxParticipants}` : ''}`);
  else parts.push(`${formatTime(session.scheduledStartAt)}–${formatTime(session.scheduledEndAt)}`);
  return parts.join(' · ');
}

/**
 * Before entering the call: asks for camera and microphone, shows the preview and lets the user
 * pick mic/camera on or off, and asks the recording consent (preset with the choice already made
 * when creating or joining a private session). Without device permission the user may still
 * enter, receive-only. A private session's invite code is shown for sharing.
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
  const [stream, setStream] = useState<MediaStream | null>(null);
  const [mediaError, setMediaError] = useState<string | null>(null);
  const [asking, setAsking] = useState(true);
  const [micEnabled, setMic] = useState(true);
  const [cameraEnabled, setCamera] = useState(true);
  const [consent, setConsent] = useState<boolean | null>(consentPreset);
  const [entering, setEntering] = useState(false);
  const handedOver = useRef(false);
  const streamRef = useRef<MediaStream | null>(null);

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
      setMediaError('This browser cannot access a camera or microphone here (a secure origin, https or localhost, is required).');
      setAsking(false);
      return;
    }
    navigator.mediaDevices
      .getUserMedia(mediaConstraints())
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
    if (consent === null) return;
    handedOver.current = true;
    setEntering(true);
    onEnter({ stream, micEnabled: hasAudio && micEnabled, cameraEnabled: hasVideo && cameraEnabled, recordingConsent: consent });
  };

  return (
    <main className="narrow" data-testid="waiting-room" data-media={asking ? 'asking' : stream ? 'ready' : 'unavailable'}>
      <h1>Waiting room</h1>
      <p className="muted" data-testid="session-summary">
        {sessionSummary(session)}
        {session.status === 'waiting' ? (session.type === 'private' ? ' · starts when the host starts it' : ' · starts soon') : ' · in progress'}
      </p>
      {session.type === 'private' && session.inviteCode && <InviteShare code={session.inviteCode} />}
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
      <ConsentChoice name="waiting-room-consent" value={consent} onChange={setConsent} />
      <ErrorMessage error={error} testId="enter-error" />
      <div className="controls">
        <button className="primary" data-testid="enter-call" disabled={asking || consent === null || entering} onClick={enter}>
          {stream ? 'Enter call' : 'Enter without camera and microphone'}
        </button>
        <button onClick={onCancel}>Back</button>
      </div>
    </main>
  );
}
