import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { serverNow } from '../clock.ts';
import { timeZoneName } from '../format.ts';
import type { CreateLiveSessionBody, LiveSession, UpdateLiveSessionBody } from '../types.ts';
import { ErrorMessage } from './ErrorMessage.tsx';

/** A Date as the value of a `datetime-local` input (the browser's local time, minutes precision). */
export function toLocalInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/**
 * Create or edit a live session (seed 004 §1 étape 2): title, description, start and end, maximum
 * participants, recording, students' screen sharing; when creating, a room password and the
 * weekly series option ("chaque mardi à 10h", in the course's time zone).
 */
export function LiveSessionForm({
  editing,
  timeZone,
  onCreate,
  onUpdate,
  onCancel,
}: {
  editing: LiveSession | null;
  timeZone: string;
  onCreate?: (body: CreateLiveSessionBody) => Promise<void>;
  onUpdate?: (body: UpdateLiveSessionBody) => Promise<void>;
  onCancel?: () => void;
}) {
  const { t } = useTranslation();
  const defaultStart = new Date(Math.ceil((serverNow() + 10 * 60_000) / 300_000) * 300_000);
  const [title, setTitle] = useState(editing?.title ?? '');
  const [description, setDescription] = useState(editing?.description ?? '');
  const [start, setStart] = useState(toLocalInput(editing ? new Date(editing.startAt) : defaultStart));
  const [end, setEnd] = useState(toLocalInput(editing ? new Date(editing.endAt) : new Date(defaultStart.getTime() + 3_600_000)));
  const [maxParticipants, setMax] = useState(editing?.maxParticipants ?? 50);
  const [recording, setRecording] = useState(editing?.recordingEnabled ?? false);
  const [screenShare, setScreenShare] = useState(editing?.studentScreenShare ?? false);
  const [password, setPassword] = useState(false);
  const [weekly, setWeekly] = useState(false);
  const [count, setCount] = useState(6);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const scheduleLocked = editing !== null && editing.status !== 'scheduled';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const common = { title: title.trim(), description, maxParticipants, recordingEnabled: recording, studentScreenShare: screenShare };
      const schedule = scheduleLocked ? {} : { startAt: new Date(start).toISOString(), endAt: new Date(end).toISOString() };
      if (editing) await onUpdate?.({ ...common, ...schedule });
      else await onCreate?.({ ...common, startAt: new Date(start).toISOString(), endAt: new Date(end).toISOString(), roomPassword: password, ...(weekly ? { series: { weekly: true, count } } : {}) });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card grid-form" onSubmit={submit} data-testid="live-session-form">
      <label>
        {t('liveForm.title')}
        <input data-testid="ls-title" value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={200} placeholder={t('liveForm.titlePlaceholder')} />
      </label>
      <label>
        {t('liveForm.starts')}
        <input type="datetime-local" data-testid="ls-start" value={start} onChange={(e) => setStart(e.target.value)} required disabled={scheduleLocked} />
      </label>
      <label>
        {t('liveForm.ends')}
        <input type="datetime-local" data-testid="ls-end" value={end} onChange={(e) => setEnd(e.target.value)} required disabled={scheduleLocked} />
      </label>
      <label>
        {t('liveForm.max')}
        <input type="number" min={1} max={1000} data-testid="ls-max" value={maxParticipants} onChange={(e) => setMax(Number(e.target.value))} />
      </label>
      <label className="wide">
        {t('liveForm.description')}
        <textarea className="plain" data-testid="ls-description" value={description} onChange={(e) => setDescription(e.target.value)} maxLength={5000} rows={2} />
      </label>
      <label className="inline">
        <input type="checkbox" data-testid="ls-recording" checked={recording} onChange={(e) => setRecording(e.target.checked)} /> {t('liveForm.record')}
      </label>
      <label className="inline">
        <input type="checkbox" data-testid="ls-screenshare" checked={screenShare} onChange={(e) => setScreenShare(e.target.checked)} /> {t('liveForm.screenShare')}
      </label>
      {!editing && (
        <>
          <label className="inline">
            <input type="checkbox" data-testid="ls-password" checked={password} onChange={(e) => setPassword(e.target.checked)} /> {t('liveForm.password')}
          </label>
          <div className="helper">
            <label className="inline">
              <input type="checkbox" data-testid="ls-weekly" checked={weekly} onChange={(e) => setWeekly(e.target.checked)} /> {t('liveForm.weekly')}
            </label>
            {weekly && (
              <label className="inline">
                <input type="number" min={2} max={52} data-testid="ls-count" value={count} onChange={(e) => setCount(Number(e.target.value))} size={3} aria-label={t('liveForm.count')} /> {t('liveForm.sessionsIn', { zone: timeZoneName(timeZone) })}
              </label>
            )}
          </div>
        </>
      )}
      <div className="form-actions">
        <button className="primary" data-testid="ls-submit" disabled={busy}>
          {editing ? t('liveForm.save') : weekly ? t('liveForm.createMany', { count }) : t('private.create')}
        </button>{' '}
        {onCancel && (
          <button type="button" onClick={onCancel}>
            {t('common.close')}
          </button>
        )}
      </div>
      <ErrorMessage error={error} testId="ls-error" />
    </form>
  );
}
