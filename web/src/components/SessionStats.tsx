import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatSeconds, formatTime, listFormat } from '../format.ts';
import { usePolling } from '../hooks.ts';
import { liveApi } from '../live/live-api.ts';
import type { LiveSessionStats } from '../types.ts';
import { ErrorMessage } from './ErrorMessage.tsx';

/** A session's statistics (seed 004 §6), refreshed while it is live. */
export function SessionStats({ sessionId, live }: { sessionId: string; live: boolean }) {
  const { t } = useTranslation();
  const [stats, setStats] = useState<LiveSessionStats | null>(null);
  const [error, setError] = useState<unknown>(null);
  usePolling(async () => {
    try {
      setStats(await liveApi.stats(sessionId));
      setError(null);
    } catch (err) {
      setError(err);
    }
  }, live ? 5000 : 3_600_000);
  if (error) return <ErrorMessage error={error} />;
  if (!stats) return <p className="muted small">{t('stats.loading')}</p>;
  return (
    <div className="stats" data-testid="session-stats">
      <dl className="facts">
        <dt>{t('recap.duration')}</dt>
        <dd data-testid="stats-duration">{formatSeconds(stats.totalDurationSeconds)}</dd>
        <dt>{t('recap.participants')}</dt>
        <dd data-testid="stats-participants">{stats.participantCount}</dd>
        <dt>{t('stats.average')}</dt>
        <dd>{formatSeconds(stats.averagePresenceSeconds)}</dd>
        <dt>{t('stats.questions')}</dt>
        <dd>{t('stats.asked', { count: stats.questionCount, answered: stats.answeredCount })}</dd>
        <dt>{t('stats.recording')}</dt>
        <dd>{stats.recordingUrl ? <a href={stats.recordingUrl} target="_blank" rel="noreferrer">{stats.recordingUrl}</a> : '—'}</dd>
      </dl>
      {stats.participants.length > 0 && (
        <div className="table-scroll">
        <table className="small">
          <thead>
            <tr>
              <th>{t('stats.name')}</th>
              <th>{t('stats.role')}</th>
              <th>{t('stats.present')}</th>
              <th>{t('stats.time')}</th>
              <th>{t('stats.stretches')}</th>
            </tr>
          </thead>
          <tbody>
            {stats.participants.map((p) => (
              <tr key={p.userId}>
                <td>{p.displayName}</td>
                <td>{t(`teach.role.${p.role}`)}</td>
                <td>{p.isPresent ? t('common.yes') : t('common.no')}</td>
                <td>{formatSeconds(p.presenceSeconds)}</td>
                <td>{listFormat(p.intervals.map((i) => `${formatTime(i.joinedAt)}–${i.leftAt ? formatTime(i.leftAt) : t('stats.now')}`))}</td>
              </tr>
            ))}
          </tbody>
        </table>
        </div>
      )}
    </div>
  );
}
