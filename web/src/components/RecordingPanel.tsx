import type { RecordingView } from '../call/call-recording.ts';
import { formatSeconds } from '../format.ts';
import { useNow } from '../hooks.ts';
import { ErrorMessage } from './ErrorMessage.tsx';

const STATUS_TEXT = {
  starting: 'Starting to record your voice…',
  recording: 'Recording your voice',
  finishing: 'Uploading the end of your recording…',
  done: 'Your recording is saved.',
  withdrawn: 'Recording stopped; what was uploaded is being deleted.',
  failed: 'Your recording stopped.',
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
          {STATUS_TEXT[recorder.status]}
          {(recorder.status === 'recording' || recorder.status === 'finishing') && <span> · {formatSeconds(elapsed / 1000)}</span>}
          {upload && recorder.status !== 'withdrawn' && (
            <span className="muted small" data-testid="upload-progress" data-uploaded={upload.uploadedParts} data-pending={upload.pendingParts}>
              {' '}
              · {upload.uploadedParts} of {upload.uploadedParts + upload.pendingParts} chunks uploaded
            </span>
          )}
        </p>
      ) : (
        <p className="muted small">Your voice is not recorded.</p>
      )}
      {upload?.failed || recorder?.status === 'failed' ? (
        <div className="error" role="alert" data-testid="upload-failed">
          {recorder?.error ?? `The upload failed: ${upload?.failed}`}
        </div>
      ) : (
        upload?.behind &&
        recorder?.status !== 'withdrawn' && (
          <div className="warning" role="status" data-testid="upload-warning">
            The upload is falling behind ({upload.pendingParts} chunk{upload.pendingParts === 1 ? '' : 's'} waiting
            {upload.lastError ? `: ${upload.lastError}` : ''}). They are kept in this tab and sent as soon as the connection allows.
          </div>
        )
      )}
      <ErrorMessage error={view.error} testId="recording-error" />
      <div className="controls">
        {capturing && consent && (
          <button data-testid="stop-recording" disabled={view.busy} onClick={onStop}>
            Stop recording me
          </button>
        )}
        {live && canRecord && !capturing && recorder?.status !== 'finishing' && (
          <button data-testid="start-recording" disabled={view.busy} onClick={onRecord}>
            {consent ? 'Record me again' : 'Record my voice'}
          </button>
        )}
      </div>
      {live && canRecord && !capturing && <p className="muted small">Only your own voice is recorded, for AI feedback; it is deleted after 30 days.</p>}
    </section>
  );
}
