import { useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { LevelField } from '../components/LanguageLevelFields.tsx';
import { serverNow } from '../clock.ts';
import { formatDateTime, languageName, normalizeLanguageCode } from '../format.ts';
import type { CefrLevel, Recurrence, Slot } from '../types.ts';

/** A Date as the value of a `datetime-local` input (local time, minutes precision). */
function toLocalInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

const browserTimeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

/** Admin form creating a slot (`POST /api/slots`), with a "starts in N minutes" helper for demos. */
export function AdminPage() {
  const [language, setLanguage] = useState('en');
  const [level, setLevel] = useState<CefrLevel>('B1');
  const [start, setStart] = useState(() => toLocalInput(new Date(serverNow() + 60 * 60_000)));
  const [startsIn, setStartsIn] = useState(10);
  const [duration, setDuration] = useState<15 | 30 | 45>(30);
  const [maxParticipants, setMax] = useState(8);
  const [minParticipants, setMin] = useState(2);
  const [recurrence, setRecurrence] = useState<Recurrence>('once');
  const [timeZone, setTimeZone] = useState(browserTimeZone);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<Slot[]>([]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const slot = await api.createSlot({
        targetLanguageCode: normalizeLanguageCode(language),
        level,
        startTime: new Date(start).toISOString(),
        durationMinutes: duration,
        maxParticipants,
        minParticipants,
        recurrence,
        timeZone: timeZone.trim(),
      });
      setCreated((list) => [slot, ...list]);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main>
      <h1>Create a slot</h1>
      <form className="card grid-form" onSubmit={submit} data-testid="admin-slot-form">
        <label>
          Language code
          <input data-testid="admin-language" value={language} onChange={(e) => setLanguage(e.target.value)} required pattern="[A-Za-z]{2,3}(-[A-Za-z]{2})?" size={8} />
        </label>
        <LevelField testId="admin-level" value={level} onChange={(l) => setLevel(l as CefrLevel)} />
        <label>
          Starts at (your local time)
          <input type="datetime-local" data-testid="admin-start" value={start} onChange={(e) => setStart(e.target.value)} required />
        </label>
        <div className="helper">
          <label>
            …or starts in
            <span className="inline">
              <input type="number" min={1} max={10080} data-testid="admin-starts-in" value={startsIn} onChange={(e) => setStartsIn(Number(e.target.value))} size={5} /> minutes
            </span>
          </label>
          <button type="button" data-testid="admin-starts-in-apply" onClick={() => setStart(toLocalInput(new Date(serverNow() + startsIn * 60_000)))}>
            Set
          </button>
        </div>
        <label>
          Duration
          <select data-testid="admin-duration" value={duration} onChange={(e) => setDuration(Number(e.target.value) as 15 | 30 | 45)}>
            <option value={15}>15 min</option>
            <option value={30}>30 min</option>
            <option value={45}>45 min</option>
          </select>
        </label>
        <label>
          Seats (max participants)
          <input type="number" min={2} data-testid="admin-max" value={maxParticipants} onChange={(e) => setMax(Number(e.target.value))} />
        </label>
        <label>
          Minimum to hold a session
          <input type="number" min={2} max={8} data-testid="admin-min" value={minParticipants} onChange={(e) => setMin(Number(e.target.value))} />
        </label>
        <label>
          Repeats
          <select data-testid="admin-recurrence" value={recurrence} onChange={(e) => setRecurrence(e.target.value as Recurrence)}>
            <option value="once">once</option>
            <option value="daily">daily</option>
            <option value="weekly">weekly</option>
          </select>
        </label>
        <label>
          Time zone (for repeats)
          <input data-testid="admin-timezone" value={timeZone} onChange={(e) => setTimeZone(e.target.value)} required />
        </label>
        <div className="form-actions">
          <button className="primary" data-testid="admin-create" disabled={busy}>
            Create slot
          </button>
        </div>
      </form>
      <ErrorMessage error={error} />
      {created.length > 0 && (
        <section>
          <h2>Created</h2>
          <ul className="list">
            {created.map((s) => (
              <li key={s.id} className="card" data-testid="admin-created" data-slot-id={s.id}>
                {languageName(s.targetLanguageCode)} {s.level} · {formatDateTime(s.startTime)} · {s.durationMinutes} min · {s.maxParticipants} seats
                {s.recurrence !== 'once' && ` · ${s.recurrence}`}
              </li>
            ))}
          </ul>
        </section>
      )}
    </main>
  );
}
