import { sessionSummary } from '../pages/WaitingRoom.tsx';
import type { Session } from '../types.ts';

/** Announces the caller's joinable session (from `/api/sessions/current`) with a Join button. */
export function SessionBanner({ session, onJoin }: { session: Session; onJoin: () => void }) {
  const live = session.status === 'active';
  return (
    <section className="session-banner" data-testid="current-session" data-session-id={session.id} data-session-status={session.status}>
      <div>
        <strong>{live ? 'Your session is live' : 'Your session is open'}</strong>
        <span className="muted">
          {' '}
          · {sessionSummary(session)} · {session.participants.length} participant{session.participants.length === 1 ? '' : 's'}
        </span>
      </div>
      <button className="primary" data-testid="join-session" onClick={onJoin}>
        Join
      </button>
    </section>
  );
}
