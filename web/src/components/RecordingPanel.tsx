import type { RecordingView } from '../call/call-recording.ts';
import { useTranslation } from 'react-i18next';
import { formatSeconds } from '../format.ts';
import { translate } from '../i18n/message.ts';
import { useNow } from '../hooks.ts';
import { ErrorMessage } from './ErrorMessage.tsx';

const STATUS_KEYS = {
  starting: 'recording.status.starting',
  recording: 'recording.status.recording',
  finishing: 'recording.status.finishing',
  done: 'recording.status.done',
  withdrawn: 'recording.status.withdrawn',
  failed: 'recording.status.failed',
} as const;

/**
 * Our own recording in the call (seed 000 §5.4, DESIGN 4.7): whether it runs, for how long, how
 * far the upload is, a warning when the upload falls behind or fails, "Stop recording me", and
 * "Record me" to give consent again (a new recording).
 */
export function RecordingPanel({
  view,
  canRecord,
  live,
  onStop,
  onRecord,
}: {
  view: RecordingView;
  /** We have a microphone. */
  canRecord: boolean;
  /** The session is active (nothing is recorded before the start or after the end). */
  live: boolean;
  onStop: () => void;
  onRecord: () => void;
}) {
  const { t } = useTranslation();
  // The browser's clock: the capture's own elapsed time.
  const now = useNow(1000, Date.now);
  const { recorder, consent } = view;
  const upload = recorder?.upload ?? null;
  const capturing = recorder?.status === 'recording' || recorder?.status === 'starting';
  if (!recorder && !(live && canRecord)) return null;
  const elapsed = recorder?.status === 'recording' && recorder.startedAtMs !== null ? now - recorder.startedAtMs : (recorder?.recordedMs ?? 0);
  return (
    <section className="recording-panel" data-testid="recording-panel" data-state={recorder?.status ?? 'off'}>
      {recorder ? (
        <p data-testid="recording-status" data-state={recorder.status} data-recording-id={recorder.recordingId ?? undefined}>
          {recorder.status === 'recording' && <span className="rec-dot" aria-hidden="true" />}
          {t(STATUS_KEYS[recorder.status])}
          {(recorder.status === 'recording' || recorder.status === 'finishing') && <span> · {formatSeconds(elapsed / 1000)}</span>}
          {upload && recorder.status !== 'withdrawn' && (
            <span className="muted small" data-testid="upload-progress" data-uploaded={upload.uploadedParts} data-pending={upload.pendingParts}>
              {' '}
              · {t('recording.chunks', { count: upload.uploadedParts + upload.pendingParts, uploaded: upload.uploadedParts })}
            </span>
          )}
        </p>
      ) : (
        <p className="muted small">{t('recording.notRecorded')}</p>
      )}
      {upload?.failed || recorder?.status === 'failed' ? (
        <div className="error" role="alert" data-testid="upload-failed">
          {recorder?.error ? translate(recorder.error) : t('recording.uploadFailed')}
        </div>
      ) : (
        upload?.behind &&
        recorder?.status !== 'withdrawn' && (
          <div className="warning" role="status" data-testid="upload-warning" data-last-error={upload.lastError ?? undefined}>
            {t('recording.behind', { count: upload.pendingParts })}
          </div>
        )
      )}
      <ErrorMessage error={view.error} testId="recording-error" />
      <div className="controls">
        {capturing && consent && (
          <button data-testid="stop-recording" disabled={view.busy} onClick={onStop}>
            {t('recording.stop')}
          </button>
        )}
        {live && canRecord && !capturing && recorder?.status !== 'finishing' && (
          <button data-testid="start-recording" disabled={view.busy} onClick={onRecord}>
            {consent ? t('recording.again') : t('recording.start')}
          </button>
        )}
      </div>
      {live && canRecord && !capturing && <p className="muted small">{t('recording.explain')}</p>}
    </section>
  );
}
