import { useTranslation } from 'react-i18next';
import { formatDateTime, formatSeconds } from '../format.ts';
import type { Recording } from '../types.ts';

/**
 * My recordings of one session (DESIGN 4.7), playable until they are deleted, with that date
 * (`RULES_RECORDING_RETENTION` after each recording's end). Only the owner ever gets them.
 */
export function RecordingList({ recordings }: { recordings: Recording[] }) {
  const { t } = useTranslation();
  if (recordings.length === 0) return null;
  return (
    <div className="recordings" data-testid="recordings">
      {recordings.map((r) => (
        <div key={r.id} data-testid="recording" data-recording-id={r.id} data-status={r.status}>
          {r.status === 'complete' && r.url ? (
            <>
              <span className="small">
                {t('recordings.yours')}
                {r.durationMs !== null ? ` · ${formatSeconds(r.durationMs / 1000)}` : ''} · {t('recordings.until')}{' '}
                <time data-testid="recording-expiry" dateTime={r.expiresAt ?? undefined}>
                  {formatDateTime(r.expiresAt)}
                </time>
              </span>
              <audio controls preload="none" src={r.url} data-testid="recording-player" aria-label={t('recordings.player', { when: formatDateTime(r.startedAt) })} />
            </>
          ) : (
            <span className="muted small">{r.status === 'abandoned' ? t('recordings.abandoned') : t('recordings.uploading')}</span>
          )}
        </div>
      ))}
    </div>
  );
}
