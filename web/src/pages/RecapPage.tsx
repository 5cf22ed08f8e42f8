import { useState } from 'react';
import { api } from '../api.ts';
import { serverNow } from '../clock.ts';
import { useTranslation } from 'react-i18next';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { RatingForm, RatingView } from '../components/RatingForm.tsx';
import { endReasonText, formatSeconds, listFormat } from '../format.ts';
import { translate, type Message } from '../i18n/message.ts';
import { usePolling } from '../hooks.ts';
import type { Rating, Session, SessionParticipant, User } from '../types.ts';
import { sessionSummary } from './WaitingRoom.tsx';

/** While the session goes on without us, its state is asked again this often (to offer the rating when it ends). */
const REFRESH_MS = 5000;

/** Whole seconds between two ISO instants (the second one defaults to now on the server's clock). */
function secondsBetween(from: string, to: string | null): number {
  return Math.max(0, Math.round(((to ? new Date(to).getTime() : serverNow()) - new Date(from).getTime()) / 1000));
}

/**
 * After a call (seed 000 section 3.4): how long the session lasted, who was there, my presence
 * and speaking time, and a 1-5 rating with a comment once the session has ended.
 */
export function RecapPage({
  sessionId,
  reason,
  message,
  user,
  onBack,
  onHistory,
}: {
  sessionId: string;
  reason: string | null;
  message: Message | null;
  user: User;
  onBack: () => void;
  onHistory: () => void;
}) {
  const { t } = useTranslation();
  const [session, setSession] = useState<Session | null>(null);
  const [participants, setParticipants] = useState<SessionParticipant[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [rating, setRating] = useState<Rating | null>(null);
  const [alreadyRated, setAlreadyRated] = useState(false);

  usePolling(
    async () => {
      try {
        const s = await api.getSession(sessionId);
        const { items } = await api.participants(sessionId);
        setSession(s);
        setParticipants(items);
        setError(null);
      } catch (err) {
        setError(err);
      }
    },
    REFRESH_MS,
    session?.status !== 'ended',
  );

  const ended = session?.status === 'ended';
  const me = participants?.find((p) => p.userId === user.id);
  const endReason = session?.endReason ?? reason;
  const duration = session?.startedAt ? secondsBetween(session.startedAt, session.endedAt) : null;
  const heading = ended || reason ? t('recap.ended') : message ? t('recap.closed') : t('recap.left');
  const shownMessage = message ? translate(message) : null;
  const explanation = ended || reason ? endReasonText(endReason) : (shownMessage ?? t('recap.goesOn'));

  return (
    <main className="narrow" data-testid="recap" data-session-id={sessionId} data-end-reason={endReason ?? undefined} data-session-status={session?.status}>
      {/* Kept for links and tests written against the former "call ended" screen. */}
      <span hidden data-testid="call-ended" data-end-reason={endReason ?? undefined} />
      <h1>{heading}</h1>
      <p data-testid="recap-reason">{explanation}</p>
      {shownMessage && (ended || reason) && <p className="muted small">{shownMessage}</p>}
      <ErrorMessage error={error} testId="recap-error" />
      {session && (
        <section className="card">
          <h2 data-testid="recap-title">{sessionSummary(session)}</h2>
          <dl className="facts">
            <dt>{t('recap.duration')}</dt>
            <dd data-testid="recap-duration" data-seconds={duration ?? undefined}>
              {duration === null ? t('recap.didNotStart') : ended ? formatSeconds(duration) : t('recap.soFar', { duration: formatSeconds(duration) })}
            </dd>
            <dt>{t('recap.participants')}</dt>
            <dd data-testid="recap-participants" data-count={participants?.length ?? 0}>
              {participants && participants.length > 0
                ? listFormat(participants.map((p) => `${p.userId === user.id ? t('call.you', { name: p.displayName }) : p.displayName}${p.role === 'host' ? ` · ${t('tile.host')}` : ''}`))
                : '—'}
            </dd>
            <dt>{t('recap.presence')}</dt>
            <dd data-testid="recap-my-presence" data-seconds={me?.presenceSeconds ?? undefined}>
              {formatSeconds(me?.presenceSeconds)}
            </dd>
            <dt>{t('recap.speaking')}</dt>
            <dd data-testid="recap-my-speaking" data-seconds={me?.speakingTimeSeconds ?? undefined}>
              {formatSeconds(me?.speakingTimeSeconds)}
            </dd>
          </dl>
          {me?.recordingConsent && session.recordingEnabled && (
            <p className="muted small">{t('recap.recorded')}</p>
          )}
        </section>
      )}
      {session && (
        <section className="card" data-testid="recap-rating">
          <h2>{t('recap.howWasIt')}</h2>
          {rating ? (
            <p data-testid="rating-done">
              {t('recap.thanks')} <RatingView rating={rating} />
            </p>
          ) : alreadyRated ? (
            <p className="muted" data-testid="rating-done">
              {t('recap.alreadyRated')}
            </p>
          ) : ended ? (
            <RatingForm
              sessionId={sessionId}
              onRated={setRating}
              onAlreadyRated={() => setAlreadyRated(true)}
            />
          ) : (
            <p className="muted" data-testid="rating-later">
              {t('recap.rateLater')}
            </p>
          )}
        </section>
      )}
      <div className="controls">
        <button className="primary" data-testid="back-to-slots" onClick={onBack}>
          {t('recap.backToSlots')}
        </button>
        <button data-testid="open-history" onClick={onHistory}>
          {t('app.nav.history')}
        </button>
      </div>
    </main>
  );
}
