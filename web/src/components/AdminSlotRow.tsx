import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { formatDateTime, formatTime, languageName } from '../format.ts';
import type { AdminSlot, CefrLevel, PatchSlotBody } from '../types.ts';
import { ErrorMessage } from './ErrorMessage.tsx';
import { DurationField, LevelField } from './LanguageLevelFields.tsx';
import { toLocalInput } from './LiveSessionForm.tsx';

type Scope = 'slot' | 'series';

/**
 * One upcoming slot for an admin (seed 000 §4.1, §5.1): when, language and level, registrations
 * against capacity, active or not, and while its registration is open an edit form and
 * deactivate / reactivate (for an occurrence of a series: this one only, or with the following).
 * What learners signed up for (start, duration, level) can only change while nobody registered.
 */
export function AdminSlotRow({ slot, onChanged }: { slot: AdminSlot; onChanged: () => void }) {
  const { t } = useTranslation();
  const [mode, setMode] = useState<'view' | 'edit' | 'confirm'>('view');
  const [scope, setScope] = useState<Scope>('slot');
  const [start, setStart] = useState(() => toLocalInput(new Date(slot.startTime)));
  const [duration, setDuration] = useState(slot.durationMinutes as 15 | 30 | 45);
  const [max, setMax] = useState(slot.maxParticipants);
  const [min, setMin] = useState(slot.minParticipants);
  const [level, setLevel] = useState(slot.level);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const promised = slot.registeredCount > 0;
  const inSeries = slot.series !== null;

  const send = async (patch: PatchSlotBody) => {
    setBusy(true);
    setError(null);
    try {
      await api.updateSlot(slot.id, inSeries ? { ...patch, scope } : patch);
      setMode('view');
      onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const save = (e: FormEvent) => {
    e.preventDefault();
    const patch: PatchSlotBody = { maxParticipants: max, minParticipants: min };
    if (!promised) {
      patch.durationMinutes = duration;
      patch.level = level as CefrLevel;
      if (!inSeries) patch.startTime = new Date(start).toISOString();
    }
    void send(patch);
  };

  const scopeChoice = inSeries && (
    <fieldset className="scope">
      <legend>{t('admin.scope.legend')}</legend>
      <label className="inline">
        <input type="radio" name={`scope-${slot.id}`} data-testid="admin-scope-slot" checked={scope === 'slot'} onChange={() => setScope('slot')} /> {t('admin.scope.slot')}
      </label>
      <label className="inline">
        <input type="radio" name={`scope-${slot.id}`} data-testid="admin-scope-series" checked={scope === 'series'} onChange={() => setScope('series')} /> {t('admin.scope.series')}
      </label>
    </fieldset>
  );

  return (
    <li className="card" data-testid="admin-slot" data-slot-id={slot.id} data-active={String(slot.isActive)} data-series-id={slot.seriesId ?? undefined}>
      <div className="row">
        <div className="row-main">
          <div className="row-title">
            {formatDateTime(slot.startTime)}–{formatTime(slot.endTime)} · {languageName(slot.targetLanguageCode)} <span className="level">{slot.level}</span>{' '}
            <span className={`badge ${slot.isActive ? 'badge-ok' : 'badge-off'}`} data-testid="admin-slot-status">
              {slot.isActive ? t('admin.active') : t('admin.inactive')}
            </span>
          </div>
          <div className="small">
            <span data-testid="admin-slot-registrations" data-registered={slot.registeredCount} data-capacity={slot.maxParticipants}>
              {t('admin.registered', { count: slot.registeredCount, max: slot.maxParticipants })}
            </span>{' '}
            · {t('admin.minimum', { count: slot.minParticipants })} · {t('slots.minutes', { count: slot.durationMinutes })} ·{' '}
            {slot.registrationOpen ? t('slots.closes', { when: formatDateTime(slot.registrationClosesAt) }) : t('admin.closed')}
          </div>
        </div>
        {slot.registrationOpen && mode === 'view' && (
          <div className="row-actions">
            <button data-testid="admin-edit" onClick={() => setMode('edit')}>
              {t('teach.edit')}
            </button>
            {slot.isActive ? (
              <button className="danger" data-testid="admin-deactivate" onClick={() => setMode('confirm')}>
                {t('admin.deactivate')}
              </button>
            ) : (
              <button data-testid="admin-reactivate" disabled={busy} onClick={() => void send({ isActive: true })}>
                {t('admin.reactivate')}
              </button>
            )}
          </div>
        )}
      </div>
      {mode === 'confirm' && (
        <div className="confirm" role="group" aria-label={t('admin.deactivate')} data-testid="admin-confirm">
          <p>{slot.registeredCount > 0 ? t('admin.confirmDeactivate', { count: slot.registeredCount }) : t('admin.confirmDeactivateEmpty')}</p>
          {scopeChoice}
          <div className="controls">
            <button className="danger" data-testid="admin-confirm-deactivate" disabled={busy} onClick={() => void send({ isActive: false })}>
              {t('admin.confirmButton')}
            </button>
            <button onClick={() => setMode('view')}>{t('registrations.keep')}</button>
          </div>
        </div>
      )}
      {mode === 'edit' && (
        <form className="grid-form edit-slot" onSubmit={save} data-testid="admin-edit-form">
          <label>
            {t('admin.startsAt')}
            <input type="datetime-local" data-testid="admin-edit-start" value={start} onChange={(e) => setStart(e.target.value)} disabled={promised || inSeries} required />
          </label>
          <DurationField testId="admin-edit-duration" value={duration} onChange={setDuration} disabled={promised} />
          <LevelField testId="admin-edit-level" value={level} onChange={setLevel} disabled={promised} />
          <label>
            {t('admin.seats')}
            <input type="number" min={Math.max(2, slot.registeredCount)} max={200} data-testid="admin-edit-max" value={max} onChange={(e) => setMax(Number(e.target.value))} />
          </label>
          <label>
            {t('admin.min')}
            <input type="number" min={2} max={8} data-testid="admin-edit-min" value={min} onChange={(e) => setMin(Number(e.target.value))} />
          </label>
          <p className="muted small wide">{promised ? t('admin.promised', { count: slot.registeredCount }) : inSeries ? t('admin.seriesTime') : t('admin.editHelp')}</p>
          <div className="wide">{scopeChoice}</div>
          <div className="form-actions">
            <button className="primary" data-testid="admin-edit-save" disabled={busy}>
              {t('liveForm.save')}
            </button>{' '}
            <button type="button" onClick={() => setMode('view')}>
              {t('common.close')}
            </button>
          </div>
        </form>
      )}
      <ErrorMessage error={error} testId="admin-row-error" />
    </li>
  );
}
