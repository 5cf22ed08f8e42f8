import { useTranslation } from 'react-i18next';
import { sessionSummary } from '../pages/WaitingRoom.tsx';
import type { Session } from '../types.ts';

/** Announces the caller's joinable session (from `/api/sessions/current`) with a Join button. */
export function SessionBanner({ session, onJoin }: { session: Session; onJoin: () => void }) {
  const { t } = useTranslation();
  const live = session.status === 'active';
  return (
    <section className="session-banner" data-testid="current-session" data-session-id={session.id} data-session-status={session.status}>
      <div>
        <strong>{live ? t('banner.live') : t('banner.open')}</strong>
        <span className="muted">
          {' '}
          · {sessionSummary(session)} · {t('history.participants', { count: session.participants.length })}
        </span>
      </div>
      <button className="primary" data-testid="join-session" onClick={onJoin}>
        {t('banner.join')}
      </button>
    </section>
  );
}
