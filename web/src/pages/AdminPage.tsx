import { useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { AdminSlotRow } from '../components/AdminSlotRow.tsx';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { DurationField, LanguageField, LevelField } from '../components/LanguageLevelFields.tsx';
import { toLocalInput } from '../components/LiveSessionForm.tsx';
import { serverNow } from '../clock.ts';
import { browserTimeZone, formatDate, localDayStart, normalizeLanguageCode, timeZoneName } from '../format.ts';
import type { AdminListSlotsQuery, AdminSlot, CefrLevel, Recurrence, SlotSeriesSummary } from '../types.ts';

/** Slots grouped for display: a series' occurrences together under their rule, one-off slots alone, by first start. */
export function groupBySeries(slots: readonly AdminSlot[]): { series: SlotSeriesSummary | null; slots: AdminSlot[] }[] {
  const groups: { series: SlotSeriesSummary | null; slots: AdminSlot[] }[] = [];
  const bySeries = new Map<string, { series: SlotSeriesSummary | null; slots: AdminSlot[] }>();
  for (const slot of slots) {
    const existing = slot.seriesId ? bySeries.get(slot.seriesId) : undefined;
    if (existing) {
      existing.slots.push(slot);
      continue;
    }
    const group = { series: slot.series, slots: [slot] };
    groups.push(group);
    if (slot.seriesId) bySeries.set(slot.seriesId, group);
  }
  return groups;
}

/**
 * Slot administration (seed 000 §4.1, §5.1): creating a slot (once, daily or weekly in a time
 * zone, with a "starts in N minutes" helper for demos), and the upcoming slots with their
 * registrations and capacity, filtered, recurring series shown as a series, each editable while
 * its registration is open and deactivated or reactivated.
 */
export function AdminPage() {
  const { t } = useTranslation();
  const [slots, setSlots] = useState<AdminSlot[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [filters, setFilters] = useState<AdminListSlotsQuery>({ status: 'all' });
  const [listError, setListError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);

  const load = useCallback(async (query: AdminListSlotsQuery, cursor: string | null) => {
    setLoading(true);
    setListError(null);
    try {
      const page = await api.adminSlots({ ...query, limit: 50, ...(cursor ? { cursor } : {}) });
      setSlots((prev) => (cursor ? [...prev, ...page.items] : page.items));
      setNextCursor(page.nextCursor);
    } catch (err) {
      setListError(err);
    } finally {
      setLoading(false);
    }
  }, []);
  useEffect(() => void load(filters, null), [filters, load]);
  const reload = () => void load(filters, null);
  const groups = useMemo(() => groupBySeries(slots), [slots]);

  return (
    <main data-testid="admin-page">
      <h1>{t('admin.title')}</h1>
      <CreateSlotForm onCreated={reload} />
      <section aria-labelledby="admin-upcoming">
        <h2 id="admin-upcoming">{t('admin.upcoming')}</h2>
        <SlotFilters onApply={setFilters} busy={loading} />
        <ErrorMessage error={listError} />
        {!loading && slots.length === 0 && !listError && <p className="muted">{t('admin.noSlots')}</p>}
        <ul className="list" data-testid="admin-slot-list">
          {groups.map((g) =>
            g.series ? (
              <li key={g.series.id} className="series-group" data-testid="admin-series" data-series-id={g.series.id}>
                <h3 className="series-title">
                  {seriesRule(g.series, t)}
                  {!g.series.isActive && <span className="badge badge-off">{t('admin.seriesStopped')}</span>}
                </h3>
                <ul className="list">
                  {g.slots.map((s) => (
                    <AdminSlotRow key={s.id} slot={s} onChanged={reload} />
                  ))}
                </ul>
              </li>
            ) : (
              <AdminSlotRow key={g.slots[0]!.id} slot={g.slots[0]!} onChanged={reload} />
            ),
          )}
        </ul>
        {nextCursor && (
          <button data-testid="admin-load-more" disabled={loading} onClick={() => void load(filters, nextCursor)}>
            {t('common.loadMore')}
          </button>
        )}
      </section>
    </main>
  );
}

/** "Every Tuesday at 19:00 (Central European Time)", in the series' own time zone. */
function seriesRule(series: SlotSeriesSummary, t: (key: never, values?: never) => string): string {
  const first = new Date(series.firstStartTime);
  const time = formatDate(first, { hour: '2-digit', minute: '2-digit', timeZone: series.timeZone });
  const zone = timeZoneName(series.timeZone, first);
  if (series.recurrence === 'weekly') return t('admin.series.weekly' as never, { day: formatDate(first, { weekday: 'long', timeZone: series.timeZone }), time, zone } as never);
  return t('admin.series.daily' as never, { time, zone } as never);
}

function SlotFilters({ onApply, busy }: { onApply: (q: AdminListSlotsQuery) => void; busy: boolean }) {
  const { t } = useTranslation();
  const [language, setLanguage] = useState('');
  const [level, setLevel] = useState('');
  const [status, setStatus] = useState<'all' | 'active' | 'inactive'>('all');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const apply = (e: FormEvent) => {
    e.preventDefault();
    onApply({
      status,
      ...(language.trim() ? { targetLanguageCode: normalizeLanguageCode(language) } : {}),
      ...(level ? { level: level as CefrLevel } : {}),
      ...(from ? { from: localDayStart(from) } : {}),
      ...(to ? { to: localDayStart(to, 1) } : {}),
    });
  };
  return (
    <form className="filters card" onSubmit={apply} data-testid="admin-filters">
      <LanguageField testId="admin-filter-language" listId="admin-language-codes" placeholder={t('slots.languagePlaceholder')} value={language} onChange={setLanguage} />
      <LevelField testId="admin-filter-level" value={level} onChange={setLevel} anyLabel={t('slots.anyLevel')} />
      <label>
        {t('admin.status')}
        <select data-testid="admin-filter-status" value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
          <option value="all">{t('admin.statusAll')}</option>
          <option value="active">{t('admin.statusActive')}</option>
          <option value="inactive">{t('admin.statusInactive')}</option>
        </select>
      </label>
      <label>
        {t('slots.from')}
        <input type="date" data-testid="admin-filter-from" value={from} onChange={(e) => setFrom(e.target.value)} />
      </label>
      <label>
        {t('slots.to')}
        <input type="date" data-testid="admin-filter-to" value={to} onChange={(e) => setTo(e.target.value)} />
      </label>
      <button className="primary" data-testid="admin-filter-apply" disabled={busy}>
        {t('slots.search')}
      </button>
    </form>
  );
}

/** `POST /api/slots`: one slot, or a daily or weekly series in a time zone. */
function CreateSlotForm({ onCreated }: { onCreated: () => void }) {
  const { t } = useTranslation();
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
  const [created, setCreated] = useState<string | null>(null);

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
      setCreated(slot.id);
      onCreated();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="admin-create">
      <h2 id="admin-create">{t('admin.create')}</h2>
      <form className="card grid-form" onSubmit={submit} data-testid="admin-slot-form">
        <label>
          {t('admin.languageCode')}
          <input data-testid="admin-language" value={language} onChange={(e) => setLanguage(e.target.value)} required pattern="[A-Za-z]{2,3}(-[A-Za-z]{2})?" size={8} />
        </label>
        <LevelField testId="admin-level" value={level} onChange={(l) => setLevel(l as CefrLevel)} />
        <label>
          {t('admin.startsAt')}
          <input type="datetime-local" data-testid="admin-start" value={start} onChange={(e) => setStart(e.target.value)} required />
        </label>
        <div className="helper">
          <label>
            {t('admin.startsIn')}
            <span className="inline">
              <input type="number" min={1} max={10080} data-testid="admin-starts-in" aria-label={t('admin.startsInMinutes')} value={startsIn} onChange={(e) => setStartsIn(Number(e.target.value))} size={5} />{' '}
              {t('admin.minutesUnit')}
            </span>
          </label>
          <button type="button" data-testid="admin-starts-in-apply" onClick={() => setStart(toLocalInput(new Date(serverNow() + startsIn * 60_000)))}>
            {t('admin.set')}
          </button>
        </div>
        <DurationField testId="admin-duration" value={duration} onChange={setDuration} />
        <label>
          {t('admin.seats')}
          <input type="number" min={2} data-testid="admin-max" value={maxParticipants} onChange={(e) => setMax(Number(e.target.value))} />
        </label>
        <label>
          {t('admin.min')}
          <input type="number" min={2} max={8} data-testid="admin-min" value={minParticipants} onChange={(e) => setMin(Number(e.target.value))} />
        </label>
        <label>
          {t('admin.repeats')}
          <select data-testid="admin-recurrence" value={recurrence} onChange={(e) => setRecurrence(e.target.value as Recurrence)}>
            <option value="once">{t('admin.once')}</option>
            <option value="daily">{t('admin.daily')}</option>
            <option value="weekly">{t('admin.weekly')}</option>
          </select>
        </label>
        <label>
          {t('admin.timeZone')}
          <input data-testid="admin-timezone" value={timeZone} onChange={(e) => setTimeZone(e.target.value)} required aria-describedby="admin-timezone-name" />
          <span className="muted small" id="admin-timezone-name">
            {timeZoneName(timeZone.trim())}
          </span>
        </label>
        <div className="form-actions">
          <button className="primary" data-testid="admin-create" disabled={busy}>
            {t('admin.createButton')}
          </button>
          {created && (
            <span className="muted small" role="status" data-testid="admin-created" data-slot-id={created}>
              {' '}
              {t('admin.created')}
            </span>
          )}
        </div>
      </form>
      <ErrorMessage error={error} />
    </section>
  );
}
