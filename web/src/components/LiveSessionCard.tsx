import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDateTime, formatTime } from '../format.ts';
import type { LiveSession } from '../types.ts';

const STATUS_KEYS: Record<LiveSession['status'], string> = {
  scheduled: 'live.status.scheduled',
  live: 'live.status.live',
  ended: 'live.status.ended',
  cancelled: 'live.status.cancelled',
};

/** One live session: course, title, when (the reader's local time), status badge ("Live"), and the actions given. */
export function LiveSessionCard({ session: s, children }: { session: LiveSession; children?: ReactNode }) {
  const { t } = useTranslation();
  return (
    <li className="card row" data-testid="live-session" data-session-id={s.id} data-status={s.status}>
      <div className="row-main">
        <span className="row-title">
          {s.title}
          {s.status === 'live' ? (
            <span className="badge badge-live" data-testid="live-badge">
              ● {t('live.status.live')}
            </span>
          ) : (
            <span className={`badge status-${s.status}`}>{t(STATUS_KEYS[s.status] as never)}</span>
          )}
        </span>
        <span className="muted small">
          {s.courseTitle} · #{s.number} · {formatDateTime(s.startAt)}–{formatTime(s.endAt)}
          {s.seriesId && ` · ${t('live.weekly')}`}
        </span>
        {s.description && <span className="small">{s.description}</span>}
        {s.status === 'cancelled' && s.cancelReason && <span className="small notice" data-testid="cancel-reason">{t('live.cancelledBecause', { reason: s.cancelReason })}</span>}
        {s.recordingUrl && (
          <a className="small" href={s.recordingUrl} target="_blank" rel="noreferrer" data-testid="recording-link">
            {t('live.watch')}
          </a>
        )}
      </div>
      <div className="row-actions">{children}</div>
    </li>
  );
}
