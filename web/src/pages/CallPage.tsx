import { useEffect, useState, useSyncExternalStore } from 'react';
import type { CallState } from '../call/call-state.ts';
import type { CallController } from '../call/controller.ts';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { InviteShare } from '../components/InviteShare.tsx';
import { RecordingPanel } from '../components/RecordingPanel.tsx';
import { Toasts } from '../components/Toasts.tsx';
import { VideoTile } from '../components/VideoTile.tsx';
import { formatDuration } from '../format.ts';
import { useNow } from '../hooks.ts';
import type { Session, User } from '../types.ts';
import { sessionSummary } from './WaitingRoom.tsx';

const STATUS_TEXT: Record<CallState['status'], string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  ended: 'Ended',
};

/**
 * The call: a video grid of everyone (host badge, active speaker highlighted), mic/camera
 * toggles, time remaining, Leave, and for the host Start (a waiting private session) and End.
 */
export function CallPage({ controller, session, user, onEnded }: { controller: CallController; session: Session; user: User; onEnded: (state: CallState) => void }) {
  const state = useSyncExternalStore(controller.subscribe, controller.getState);
  const now = useNow();
  const [leaving, setLeaving] = useState(false);
  const [busy, setBusy] = useState<'start' | 'end' | null>(null);
  const [confirmEnd, setConfirmEnd] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);

  useEffect(() => {
    if (state.status === 'ended') onEnded(state);
  }, [state, onEnded]);

  const isHost = state.hostUserId === user.id;
  const remaining = state.endsAt && state.sessionStatus === 'active' ? new Date(state.endsAt).getTime() - now : null;
  const tiles = state.participants.length + 1;
  const canStart = isHost && session.type === 'private' && state.sessionStatus === 'waiting';
  const recordingIds = new Set(state.recording.recordingUserIds);

  const run = async (what: 'start' | 'end', action: () => Promise<void>) => {
    setBusy(what);
    setActionError(null);
    try {
      await action();
    } catch (err) {
      setActionError(err);
    } finally {
      setBusy(null);
      setConfirmEnd(false);
    }
  };

  return (
    <main className="call" data-testid="call" data-call-status={state.status} data-session-status={state.sessionStatus} data-is-host={isHost ? 'true' : 'false'}>
      <header className="call-header">
        <div>
          <strong data-testid="call-title">{sessionSummary(session)}</strong>
          <span className={`badge call-${state.status}`} data-testid="call-status">
            {STATUS_TEXT[state.status]}
          </span>
          <span className="badge" data-testid="session-state">
            {state.sessionStatus === 'active' ? 'live' : session.type === 'private' ? 'waiting for the host to start' : 'waiting for start'}
          </span>
          {isHost && <span className="badge badge-host">you are the host</span>}
        </div>
        {remaining !== null && (
          <div className="countdown" data-testid="time-remaining">
            {formatDuration(remaining)} left
          </div>
        )}
      </header>
      {state.status === 'reconnecting' && (
        <div className="reconnecting" role="status" data-testid="reconnecting-banner">
          Connection lost — reconnecting…
          {state.reconnect && <span className="muted small"> (attempt {state.reconnect.attempt}, next in {Math.max(0, Math.ceil((state.reconnect.nextAt - Date.now()) / 1000))} s)</span>}
        </div>
      )}
      {session.type === 'private' && session.inviteCode && <InviteShare code={session.inviteCode} compact />}
      <section className={`grid grid-${Math.min(tiles, 9)}`} data-testid="video-grid">
        <VideoTile
          name={`${user.name} (you)`}
          stream={controller.localStream}
          micEnabled={state.micEnabled}
          cameraEnabled={state.cameraEnabled}
          local
          userId={user.id}
          host={isHost}
          speaking={state.selfSpeaking && state.micEnabled}
          recording={controller.recordingSelf}
        />
        {state.participants.map((p) => (
          <VideoTile
            key={p.userId}
            userId={p.userId}
            name={p.displayName}
            stream={p.stream}
            micEnabled={p.micEnabled}
            cameraEnabled={p.cameraEnabled}
            connectionState={p.connectionState}
            host={state.hostUserId === p.userId}
            speaking={p.speaking}
            restarting={p.restarting}
            recording={recordingIds.has(p.userId)}
          />
        ))}
      </section>
      {state.participants.length === 0 && <p className="muted center">Waiting for the others to join…</p>}
      <RecordingPanel
        view={state.recording}
        canRecord={(controller.localStream?.getAudioTracks().length ?? 0) > 0}
        live={state.sessionStatus === 'active' && state.status !== 'ended'}
        onStop={() => void controller.stopRecordingMe()}
        onRecord={() => void controller.recordMeAgain()}
      />
      <ErrorMessage error={actionError} testId="call-error" />
      <footer className="controls call-controls">
        <button data-testid="toggle-mic" aria-pressed={!state.micEnabled} disabled={!controller.localStream?.getAudioTracks().length} onClick={() => controller.toggleMic()}>
          {state.micEnabled ? 'Mute' : 'Unmute'}
        </button>
        <button data-testid="toggle-camera" aria-pressed={!state.cameraEnabled} disabled={!controller.localStream?.getVideoTracks().length} onClick={() => controller.toggleCamera()}>
          {state.cameraEnabled ? 'Stop camera' : 'Start camera'}
        </button>
        {canStart && (
          <button className="primary" data-testid="start-session" disabled={busy !== null} onClick={() => void run('start', () => controller.startSession())}>
            {busy === 'start' ? 'Starting…' : 'Start session'}
          </button>
        )}
        <button
          className="danger"
          data-testid="leave-call"
          disabled={leaving}
          onClick={() => {
            setLeaving(true);
            void controller.leave();
          }}
        >
          {leaving ? 'Leaving…' : 'Leave'}
        </button>
        {isHost &&
          (confirmEnd ? (
            <>
              <button className="danger" data-testid="confirm-end-session" disabled={busy !== null} onClick={() => void run('end', () => controller.endSession())}>
                {busy === 'end' ? 'Ending…' : 'Yes, end for everyone'}
              </button>
              <button data-testid="cancel-end-session" onClick={() => setConfirmEnd(false)}>
                Keep going
              </button>
            </>
          ) : (
            <button className="danger" data-testid="end-session" onClick={() => setConfirmEnd(true)}>
              End session
            </button>
          ))}
      </footer>
      {state.notices.length > 0 && (
        <ul className="notices" data-testid="notices">
          {state.notices.map((n, i) => (
            <li key={`${i}-${n}`}>{n}</li>
          ))}
        </ul>
      )}
      <Toasts toasts={state.toasts} />
    </main>
  );
}
