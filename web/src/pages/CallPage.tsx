import { useEffect, useState, useSyncExternalStore } from 'react';
import type { CallController, CallState } from '../call/controller.ts';
import { VideoTile } from '../components/VideoTile.tsx';
import { formatDuration, languageName } from '../format.ts';
import { useNow } from '../hooks.ts';
import type { Session, User } from '../types.ts';

const STATUS_TEXT: Record<CallState['status'], string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  ended: 'Ended',
};

/** The call: a video grid of everyone, mic/camera toggles, time remaining and Leave. */
export function CallPage({ controller, session, user, onEnded }: { controller: CallController; session: Session; user: User; onEnded: (state: CallState) => void }) {
  const state = useSyncExternalStore(controller.subscribe, controller.getState);
  const now = useNow();
  const [leaving, setLeaving] = useState(false);

  useEffect(() => {
    if (state.status === 'ended') onEnded(state);
  }, [state, onEnded]);

  const remaining = state.endsAt ? new Date(state.endsAt).getTime() - now : null;
  const tiles = state.peers.length + 1;

  return (
    <main className="call" data-testid="call" data-call-status={state.status}>
      <header className="call-header">
        <div>
          <strong>
            {languageName(session.targetLanguageCode)} {session.level}
          </strong>
          <span className={`badge call-${state.status}`} data-testid="call-status">
            {STATUS_TEXT[state.status]}
          </span>
          <span className="badge">{state.sessionStatus === 'active' ? 'live' : 'waiting for start'}</span>
        </div>
        {remaining !== null && (
          <div className="countdown" data-testid="time-remaining">
            {formatDuration(remaining)} left
          </div>
        )}
      </header>
      <section className={`grid grid-${Math.min(tiles, 9)}`} data-testid="video-grid">
        <VideoTile name={`${user.name} (you)`} stream={controller.localStream} micEnabled={state.micEnabled} cameraEnabled={state.cameraEnabled} local userId={user.id} />
        {state.peers.map((p) => (
          <VideoTile
            key={p.userId}
            userId={p.userId}
            name={p.displayName}
            stream={p.stream}
            micEnabled={p.micEnabled}
            cameraEnabled={p.cameraEnabled}
            connectionState={p.connectionState}
          />
        ))}
      </section>
      {state.peers.length === 0 && <p className="muted center">Waiting for the others to join…</p>}
      <footer className="controls call-controls">
        <button data-testid="toggle-mic" aria-pressed={!state.micEnabled} disabled={!controller.localStream?.getAudioTracks().length} onClick={() => controller.toggleMic()}>
          {state.micEnabled ? 'Mute' : 'Unmute'}
        </button>
        <button data-testid="toggle-camera" aria-pressed={!state.cameraEnabled} disabled={!controller.localStream?.getVideoTracks().length} onClick={() => controller.toggleCamera()}>
          {state.cameraEnabled ? 'Stop camera' : 'Start camera'}
        </button>
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
      </footer>
      {state.notices.length > 0 && (
        <ul className="notices" data-testid="notices">
          {state.notices.map((n, i) => (
            <li key={`${i}-${n}`}>{n}</li>
          ))}
        </ul>
      )}
    </main>
  );
}
