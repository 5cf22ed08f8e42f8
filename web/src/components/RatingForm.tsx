import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api } from '../api.ts';
import type { Rating } from '../types.ts';
import { ErrorMessage } from './ErrorMessage.tsx';

const MAX_COMMENT = 1000;

/** Stars 1 to 5 as text ("★★★☆☆"). */
export function stars(rating: number): string {
  return '★'.repeat(rating) + '☆'.repeat(Math.max(0, 5 - rating));
}

/** A submitted rating, read-only (the history's `myRating` has no `createdAt`). */
export function RatingView({ rating }: { rating: Pick<Rating, 'rating' | 'comment'> }) {
  const { t } = useTranslation();
  return (
    <span className="rating-view" data-testid="my-rating" data-rating={rating.rating}>
      <span role="img" aria-label={t('rating.outOf5', { count: rating.rating })}>{stars(rating.rating)}</span>
      {rating.comment && <span className="muted small"> “{rating.comment}”</span>}
    </span>
  );
}

/** Rates an ended session once: 1 to 5 stars and an optional comment (`POST /api/sessions/{id}/rating`). */
export function RatingForm({ sessionId, onRated, onAlreadyRated }: { sessionId: string; onRated: (rating: Rating) => void; onAlreadyRated?: () => void }) {
  const { t } = useTranslation();
  const [rating, setRating] = useState(0);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (rating < 1) return;
    setBusy(true);
    setError(null);
    try {
      const saved = await api.rate(sessionId, rating, comment.trim() || undefined);
      onRated({ rating: saved.rating ?? rating, comment: saved.comment ?? (comment.trim() || null), createdAt: saved.createdAt });
    } catch (err) {
      if (onAlreadyRated && err instanceof ApiError && err.code === 'ALREADY_RATED') onAlreadyRated();
      else setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="rating-form" data-testid="rating-form" onSubmit={(e) => void submit(e)}>
      <div className="stars" role="radiogroup" aria-label={t('rating.label')}>
        {[1, 2, 3, 4, 5].map((n) => (
          <button
            key={n}
            type="button"
            role="radio"
            aria-checked={rating === n}
            aria-label={t('rating.stars', { count: n })}
            className={`star${n <= rating ? ' star-on' : ''}`}
            data-testid={`rating-star-${n}`}
            onClick={() => setRating(n)}
          >
            {n <= rating ? '★' : '☆'}
          </button>
        ))}
      </div>
      <label>
        {t('rating.comment')}
        <textarea
          data-testid="rating-comment"
          className="plain"
          rows={2}
          maxLength={MAX_COMMENT}
          value={comment}
          onChange={(e) => setComment(e.target.value)}
          placeholder={t('rating.commentPlaceholder')}
        />
      </label>
      <ErrorMessage error={error} testId="rating-error" />
      <button className="primary" data-testid="rating-submit" disabled={busy || rating < 1}>
        {busy ? t('rating.sending') : t('rating.send')}
      </button>
    </form>
  );
}
