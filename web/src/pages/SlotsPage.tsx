import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, type SlotFilters } from '../api.ts';
import { useTranslation } from 'react-i18next';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { LanguageField, LevelField } from '../components/LanguageLevelFields.tsx';
import { browserTimeZone, formatDateTime, localDayStart, formatTime, languageName, normalizeLanguageCode, timeZoneName } from '../format.ts';
import type { Slot } from '../types.ts';

/** Lists open slots with filters and "load more", and registers the caller. */
export function SlotsPage() {
  const { t } = useTranslation();
  const [language, setLanguage] = useState('');
  const [level, setLevel] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [filters, setFilters] = useState<SlotFilters>({});
  const [slots, setSlots] = useState<Slot[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [rowErrors, setRowErrors] = useState<Record<string, unknown>>({});
  const [busySlot, setBusySlot] = useState<string | null>(null);

  const load = useCallback(async (f: SlotFilters, cursor: string | null) => {
    setLoading(true);
    setError(null);
    try {
      const page = await api.listSlots(f, cursor);
      setSlots((prev) => (cursor ? [...prev, ...page.items] : page.items));
      setNextCursor(page.nextCursor);
    } catch (err) {
      setError(err);
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    void load(filters, null);
  }, [filters, load]);

  const search = (e: FormEvent) => {
    e.preventDefault();
    setFilters({
      targetLanguageCode: normalizeLanguageCode(language) || undefined,
      level: level || undefined,
      from: localDayStart(from),
      to: localDayStart(to, 1),
    });
  };

  const register = async (slot: Slot) => {
    setBusySlot(slot.id);
    setRowErrors((r) => ({ ...r, [slot.id]: null }));
    try {
      const reg = await api.register(slot.id);
      setSlots((list) =>
        list.map((s) =>
          s.id === slot.id ? { ...s, myRegistrationId: reg.id, registeredCount: s.registeredCount + 1, seatsLeft: Math.max(0, s.seatsLeft - 1) } : s,
        ),
      );
    } catch (err) {
      setRowErrors((r) => ({ ...r, [slot.id]: err }));
    } finally {
      setBusySlot(null);
    }
  };

  return (
    <main>
      <h1>{t('slots.title')}</h1>
      <p className="muted small" data-testid="slots-time-zone">{t('slots.timesIn', { zone: timeZoneName(browserTimeZone) })}</p>
      <form className="filters card" onSubmit={search}>
        <LanguageField testId="filter-language" listId="language-codes" placeholder={t('slots.languagePlaceholder')} value={language} onChange={setLanguage} />
        <LevelField testId="filter-level" value={level} onChange={setLevel} anyLabel={t('slots.anyLevel')} />
        <label>
          {t('slots.from')}
          <input type="date" data-testid="filter-from" value={from} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label>
          {t('slots.to')}
          <input type="date" data-testid="filter-to" value={to} onChange={(e) => setTo(e.target.value)} />
        </label>
        <button className="primary" data-testid="filter-apply" disabled={loading}>
          {t('slots.search')}
        </button>
      </form>
      <ErrorMessage error={error} />
      {slots.length === 0 && !loading && !error && <p className="muted" data-testid="no-slots">{t('slots.none')}</p>}
      <ul className="list" data-testid="slot-list">
        {slots.map((slot) => (
          <li key={slot.id} className="card row" data-testid="slot" data-slot-id={slot.id}>
            <div className="row-main">
              <div className="row-title">
                {languageName(slot.targetLanguageCode)} <span className="level">{slot.level}</span>
              </div>
              <div>
                {formatDateTime(slot.startTime)}–{formatTime(slot.endTime)} · {t('slots.minutes', { count: slot.durationMinutes })}
                {slot.recurrence !== 'once' && <span className="muted"> · {t(slot.recurrence === 'daily' ? 'slots.repeatsDaily' : 'slots.repeatsWeekly')}</span>}
              </div>
              <div className="muted small">
                {slot.seatsLeft > 0 ? t('slots.seatsLeft', { count: slot.seatsLeft, max: slot.maxParticipants }) : t('slots.full')} · {t('slots.closes', { when: formatDateTime(slot.registrationClosesAt) })}
              </div>
              <ErrorMessage error={rowErrors[slot.id]} testId="row-error" />
            </div>
            <div className="row-actions">
              {slot.myRegistrationId ? (
                <span className="badge badge-ok" data-testid="registered">
                  {t('slots.registered')}
                </span>
              ) : (
                <button className="primary" data-testid="register" disabled={busySlot === slot.id || slot.seatsLeft <= 0} onClick={() => void register(slot)}>
                  {slot.seatsLeft <= 0 ? t('slots.full') : t('slots.register')}
                </button>
              )}
            </div>
          </li>
        ))}
      </ul>
      {nextCursor && (
        <button data-testid="load-more" disabled={loading} onClick={() => void load(filters, nextCursor)}>
          {loading ? t('app.loading') : t('common.loadMore')}
        </button>
      )}
      {loading && !nextCursor && <p className="muted">{t('app.loading')}</p>}
    </main>
  );
}
