import { useState } from 'react';
import { formatSeconds, formatTime } from '../format.ts';
import { usePolling } from '../hooks.ts';
import { liveApi } from '../live/live-api.ts';
import type { LiveSessionStats } from '../types.ts';
import { ErrorMessage } from './ErrorMessage.tsx';

/** A session's statistics (seed 004 §6), refreshed while it is live. */
export function SessionStats({ sessionId, live }: { sessionId: string; live: boolean }) {
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
  if (!stats) return <p className="muted small">Loading statistics…</p>;
  return (
    <div className="stats" data-testid="session-stats">
      <dl className="facts">
        <dt>Duration</dt>
        <dd data-testid="stats-duration">{formatSeconds(stats.totalDurationSeconds)}</dd>
        <dt>Participants</dt>
        <dd data-testid="stats-participants">{stats.participantCount}</dd>
        <dt>Average presence</dt>
        <dd>{formatSeconds(stats.averagePresenceSeconds)}</dd>
        <dt>Questions</dt>
        <dd>
          {stats.questionCount} asked, {stats.answeredCount} answered
        </dd>
        <dt>Recording</dt>
        <dd>{stats.recordingUrl ? <a href={stats.recordingUrl} target="_blank" rel="noreferrer">{stats.recordingUrl}</a> : '—'}</dd>
      </dl>
      {stats.participants.length > 0 && (
        <table className="small">
          <thead>
            <tr>
              <th>Name</th>
              <th>Role</th>
              <th>Present</th>
              <th>Time in the session</th>
              <th>Stretches</th>
            </tr>
          </thead>
          <tbody>
            {stats.participants.map((p) => (
              <tr key={p.userId}>
                <td>{p.displayName}</td>
                <td>{p.role}</td>
                <td>{p.isPresent ? 'yes' : 'no'}</td>
                <td>{formatSeconds(p.presenceSeconds)}</td>
                <td>{p.intervals.map((i) => `${formatTime(i.joinedAt)}–${i.leftAt ? formatTime(i.leftAt) : 'now'}`).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
