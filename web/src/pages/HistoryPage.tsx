import { useCallback, useEffect, useState } from 'react';
import { api } from '../api.ts';
import { useTranslation } from 'react-i18next';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { RatingForm, RatingView } from '../components/RatingForm.tsx';
import { RecordingList } from '../components/RecordingList.tsx';
import { endReasonLabel, formatDateTime, formatSeconds, languageName } from '../format.ts';
import type { HistoryItem, Recording } from '../types.ts';

const PAGE_SIZE = 10;

/** My recordings asked for at most (the newest; older ones expire after 30 days anyway). */
const RECORDINGS_LIMIT = 100;

/**
 * My past sessions, newest first (`GET /api/sessions/history`), with a rating for those not rated
 * yet and my own recordings of each, playable until they expire (`GET /api/recordings`).
 */
export function HistoryPage() {
  const { t } = useTranslation();
  const [recordings, setRecordings] = useState<Map<string, Recording[]>>(new Map());
  const [items, setItems] = useState<HistoryItem[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [rating, setRating] = useState<string | null>(null);

  const load = useCallback(async (cursor: string | null) => {
    setLoading(true);
    setError(null);
    try {
      const page = await api.history(cursor, PAGE_SIZE);
      setItems((prev) => (cursor ? [...prev, ...page.items.filter((i) => !prev.some((p) => p.id === i.id))] : page.items));
      setNextCursor(page.nextCursor);
      setLoaded(true);
    } catch (err) {
      setError(err);
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    void load(null);
    api
      .myRecordings(null, RECORDINGS_LIMIT)
      .then((page) => {
        const bySession = new Map<string, Recording[]>();
        for (const r of [...page.items].reverse()) bySession.set(r.sessionId, [...(bySession.get(r.sessionId) ?? []), r]);
        setRecordings(bySession);
      })
      .catch(setError);
  }, [load]);

  return (
    <main>
      <h1>{t('history.title')}</h1>
      <ErrorMessage error={error} />
      {loaded && items.length === 0 && <p className="muted" data-testid="no-history">{t('history.none')}</p>}
      <ul className="list" data-testid="history-list">
        {items.map((item) => (
          <li key={item.id} className="card" data-testid="history-item" data-session-id={item.id} data-status={item.status}>
            <div className="row">
              <div className="row-main">
                <div className="row-title">
                  {languageName(item.targetLanguageCode)} {item.level && <span className="level">{item.level}</span>}{' '}
                  {item.topicTitle && <span>· {item.topicTitle}</span>}
                  <span className="badge">{item.type === 'private' ? t('history.private') : t('history.slot')}</span>
                  <span className={`badge status-${item.status}`}>{item.status === 'ended' ? endReasonLabel(item.endReason) : item.status === 'active' ? t('history.active') : t('history.waiting')}</span>
                </div>
                <div className="muted small">
                  {formatDateTime(item.startedAt ?? item.endedAt)} · {t('history.participants', { count: item.participantCount })} · {t('history.lasted')}{' '}
                  <span data-testid="history-duration">{formatSeconds(item.durationSeconds)}</span>
                </div>
                <div className="small">
                  {t('history.present')} <span data-testid="history-presence">{formatSeconds(item.myPresenceSeconds)}</span> · {t('history.spoke')}{' '}
                  <span data-testid="history-speaking">{formatSeconds(item.mySpeakingTimeSeconds)}</span>
                </div>
                {item.myRating && <RatingView rating={item.myRating} />}
                <RecordingList recordings={recordings.get(item.id) ?? []} />
              </div>
              <div className="row-actions">
                {item.status === 'ended' && !item.myRating && rating !== item.id && (
                  <button data-testid="rate-session" onClick={() => setRating(item.id)}>
                    {t('history.rate')}
                  </button>
                )}
              </div>
            </div>
            {rating === item.id && !item.myRating && (
              <RatingForm
                sessionId={item.id}
                onRated={(r) => {
                  setItems((list) => list.map((i) => (i.id === item.id ? { ...i, myRating: r } : i)));
                  setRating(null);
                }}
              />
            )}
          </li>
        ))}
      </ul>
      {nextCursor && (
        <button data-testid="load-more" disabled={loading} onClick={() => void load(nextCursor)}>
          {loading ? t('app.loading') : t('common.loadMore')}
        </button>
      )}
      {loading && !nextCursor && <p className="muted">{t('app.loading')}</p>}
    </main>
  );
}
