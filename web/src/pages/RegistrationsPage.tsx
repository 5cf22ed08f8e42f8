import { useCallback, useEffect, useState } from 'react';
import { api } from '../api.ts';
import { useTranslation } from 'react-i18next';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { formatDateTime, formatDuration, languageName, unmatchedReasonText } from '../format.ts';
import { useNow } from '../hooks.ts';
import type { Registration } from '../types.ts';

const STATUS_KEYS: Record<Registration['status'], string> = {
  registered: 'registrations.status.registered',
  cancelled: 'registrations.status.cancelled',
  attended: 'registrations.status.attended',
  noshow: 'registrations.status.noshow',
};

/** The caller's registrations with a countdown to each start, and cancelling. */
export function RegistrationsPage() {
  const { t } = useTranslation();
  const [items, setItems] = useState<Registration[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [rowErrors, setRowErrors] = useState<Record<string, unknown>>({});
  const [confirming, setConfirming] = useState<string | null>(null);
  const now = useNow();

  const load = useCallback(async (cursor: string | null) => {
    setLoading(true);
    setError(null);
    try {
      const page = await api.listRegistrations(cursor);
      setItems((prev) => (cursor ? [...prev, ...page.items] : page.items));
      setNextCursor(page.nextCursor);
    } catch (err) {
      setError(err);
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    void load(null);
  }, [load]);

  const cancel = async (reg: Registration) => {
    setConfirming(null);
    setRowErrors((r) => ({ ...r, [reg.id]: null }));
    try {
      await api.cancelRegistration(reg.id);
      setItems((list) => list.map((r) => (r.id === reg.id ? { ...r, status: 'cancelled', cancelledAt: new Date().toISOString() } : r)));
    } catch (err) {
      setRowErrors((r) => ({ ...r, [reg.id]: err }));
    }
  };

  return (
    <main>
      <h1>{t('registrations.title')}</h1>
      <ErrorMessage error={error} />
      {items.length === 0 && !loading && !error && <p className="muted">{t('registrations.none')}</p>}
      <ul className="list" data-testid="registration-list">
        {items.map((reg) => {
          const startsIn = new Date(reg.slot.startTime).getTime() - now;
          const upcoming = reg.status === 'registered' && startsIn > 0;
          return (
            <li key={reg.id} className="card row" data-testid="registration" data-registration-id={reg.id} data-status={reg.status}>
              <div className="row-main">
                <div className="row-title">
                  {languageName(reg.slot.targetLanguageCode)} <span className="level">{reg.slot.level}</span>{' '}
                  <span className={`badge status-${reg.status}`}>{t((STATUS_KEYS[reg.status] ?? 'registrations.status.registered') as never)}</span>
                </div>
                <div>
                  {formatDateTime(reg.slot.startTime)} · {t('slots.minutes', { count: reg.slot.durationMinutes })}
                </div>
                {upcoming && (
                  <div className="countdown" data-testid="countdown">
                    {t('registrations.startsIn', { duration: formatDuration(startsIn) })}
                  </div>
                )}
                {reg.sessionId && reg.status === 'registered' && <div className="muted small">{t('registrations.groupReady')}</div>}
                {reg.unmatchedReason && (
                  <div className="notice" data-testid="unmatched-reason">
                    {unmatchedReasonText(reg.unmatchedReason)}
                  </div>
                )}
                <ErrorMessage error={rowErrors[reg.id]} testId="row-error" />
              </div>
              <div className="row-actions">
                {reg.status === 'registered' &&
                  (confirming === reg.id ? (
                    <>
                      <button className="danger" data-testid="confirm-cancel" onClick={() => void cancel(reg)}>
                        {t('registrations.confirmCancel')}
                      </button>
                      <button onClick={() => setConfirming(null)}>{t('registrations.keep')}</button>
                    </>
                  ) : (
                    <button data-testid="cancel-registration" onClick={() => setConfirming(reg.id)}>
                      {t('common.cancel')}
                    </button>
                  ))}
              </div>
            </li>
          );
        })}
      </ul>
      {nextCursor && (
        <button data-testid="load-more" disabled={loading} onClick={() => void load(nextCursor)}>
          {t('common.loadMore')}
        </button>
      )}
    </main>
  );
}
