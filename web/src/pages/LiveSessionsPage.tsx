import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api.ts';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { LiveSessionCard } from '../components/LiveSessionCard.tsx';
import { usePolling } from '../hooks.ts';
import { liveApi } from '../live/live-api.ts';
import type { LiveSession } from '../types.ts';

type Phase = 'live' | 'upcoming' | 'past';
const PHASES: [Phase, string][] = [
  ['live', 'live.phase.live'],
  ['upcoming', 'live.phase.upcoming'],
  ['past', 'live.phase.past'],
];

/**
 * The student's live sessions (seed 004 §4 étape 1): live now, upcoming and past, refreshed every
 * few seconds so that a session the instructor starts shows up "Live" with an active Join button.
 */
export function LiveSessionsPage({ onJoin }: { onJoin: (s: LiveSession) => void }) {
  const { t } = useTranslation();
  const [lists, setLists] = useState<Record<Phase, LiveSession[]>>({ live: [], upcoming: [], past: [] });
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<unknown>(null);

  usePolling(async () => {
    try {
      const [live, upcoming, past] = await Promise.all(PHASES.map(([p]) => liveApi.mySessions(p)));
      setLists({ live: live!.items, upcoming: upcoming!.items, past: past!.items });
      setError(null);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 0)) setError(err);
    } finally {
      setLoaded(true);
    }
  }, 3000);

  return (
    <main data-testid="live-sessions-page">
      <h1>{t('app.nav.live')}</h1>
      <ErrorMessage error={error} />
      {!loaded && <p className="muted">{t('app.loading')}</p>}
      {PHASES.map(([phase, title]) => (
        <section key={phase} data-testid={`live-${phase}`}>
          <h2>{t(title as never)}</h2>
          {loaded && lists[phase].length === 0 && <p className="muted small">{t('live.none')}</p>}
          <ul className="list">
            {lists[phase].map((s) => (
              <LiveSessionCard key={s.id} session={s}>
                {phase !== 'past' && (
                  <button
                    className={s.status === 'live' ? 'primary' : ''}
                    data-testid="join-live"
                    disabled={s.status !== 'live'}
                    title={s.status === 'live' ? t('live.joinTitle') : t('live.joinLater')}
                    onClick={() => onJoin(s)}
                  >
                    {t('banner.join')}
                  </button>
                )}
              </LiveSessionCard>
            ))}
          </ul>
        </section>
      ))}
    </main>
  );
}
