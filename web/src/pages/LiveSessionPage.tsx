import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { LiveSessionCard } from '../components/LiveSessionCard.tsx';
import { usePolling } from '../hooks.ts';
import { liveApi } from '../live/live-api.ts';
import type { LiveSession } from '../types.ts';

/** One live session (the calendar's links lead here), with Join while it is live. */
export function LiveSessionPage({ sessionId, onJoin }: { sessionId: string; onJoin: (s: LiveSession) => void }) {
  const { t } = useTranslation();
  const [session, setSession] = useState<LiveSession | null>(null);
  const [error, setError] = useState<unknown>(null);
  usePolling(async () => {
    try {
      setSession(await liveApi.session(sessionId));
    } catch (err) {
      setError(err);
    }
  }, 3000);
  const staff = session?.myRoles.some((r) => r === 'instructor' || r === 'moderator');
  return (
    <main data-testid="live-session-page">
      <p className="small">
        <a href="#/live">{t('live.back')}</a>
      </p>
      <ErrorMessage error={error} />
      {session && (
        <ul className="list">
          <LiveSessionCard session={session}>
            <button className={session.status === 'live' ? 'primary' : ''} data-testid="join-live" disabled={session.status !== 'live'} onClick={() => onJoin(session)}>
              {t('banner.join')}
            </button>
            {staff && <a href={`#/teach/${encodeURIComponent(session.courseId)}`}>{t('live.manage')}</a>}
          </LiveSessionCard>
        </ul>
      )}
    </main>
  );
}
