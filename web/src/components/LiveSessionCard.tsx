import type { ReactNode } from 'react';
import { formatDateTime, formatTime } from '../format.ts';
import type { LiveSession } from '../types.ts';

const STATUS_TEXT: Record<LiveSession['status'], string> = { scheduled: 'Scheduled', live: 'Live', ended: 'Ended', cancelled: 'Cancelled' };

/** One live session: course, title, when (the reader's local time), status badge ("Live"), and the actions given. */
export function LiveSessionCard({ session: s, children }: { session: LiveSession; children?: ReactNode }) {
  return (
    <li className="card row" data-testid="live-session" data-session-id={s.id} data-status={s.status}>
      <div className="row-main">
        <span className="row-title">
          {s.title}
          {s.status === 'live' ? (
            <span className="badge badge-live" data-testid="live-badge">
              ● Live
            </span>
          ) : (
            <span className={`badge status-${s.status}`}>{STATUS_TEXT[s.status]}</span>
          )}
        </span>
        <span className="muted small">
          {s.courseTitle} · #{s.number} · {formatDateTime(s.startAt)}–{formatTime(s.endAt)}
          {s.seriesId && ' · weekly'}
        </span>
        {s.description && <span className="small">{s.description}</span>}
        {s.status === 'cancelled' && s.cancelReason && <span className="small notice" data-testid="cancel-reason">Cancelled: {s.cancelReason}</span>}
        {s.recordingUrl && (
          <a className="small" href={s.recordingUrl} target="_blank" rel="noreferrer" data-testid="recording-link">
            Watch the recording
          </a>
        )}
      </div>
      <div className="row-actions">{children}</div>
    </li>
  );
}
