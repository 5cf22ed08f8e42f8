import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { openChatStream } from '../live/chat-stream.ts';
import { liveApi } from '../live/live-api.ts';
import { formatTime } from '../format.ts';
import type { ChatMessage, ChatMessageType, ChatStreamStatus } from '../types.ts';
import { ErrorMessage } from './ErrorMessage.tsx';

/**
 * The Q&A chat beside the video (seed 004 §5): messages live from the stream, a form to post a
 * text or a question (or answer a question), and for instructors and moderators the buttons
 * that mark a question answered or delete a message. Posting is open while the session is live.
 */
export function ChatPanel({ sessionId, canModerate, onStatus }: { sessionId: string; canModerate: boolean; onStatus?: (s: ChatStreamStatus) => void }) {
  const { t } = useTranslation();
  const [messages, setMessages] = useState<Map<string, ChatMessage>>(new Map());
  const [state, setState] = useState<'connecting' | 'open' | 'closed'>('connecting');
  const [refusal, setRefusal] = useState<string | null>(null);
  const [status, setStatus] = useState<ChatStreamStatus | null>(null);
  const [text, setText] = useState('');
  const [type, setType] = useState<ChatMessageType>('text');
  const [replyTo, setReplyTo] = useState<ChatMessage | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const onStatusRef = useRef(onStatus);
  onStatusRef.current = onStatus;
  const listRef = useRef<HTMLOListElement>(null);

  useEffect(
    () =>
      openChatStream(sessionId, {
        onMessage: (m) => setMessages((prev) => new Map(prev).set(m.id, m)),
        onStatus: (s) => {
          setStatus(s);
          onStatusRef.current?.(s);
        },
        onState: (s, why) => {
          setState(s);
          if (why) setRefusal(why);
        },
      }),
    [sessionId],
  );

  const ordered = useMemo(() => [...messages.values()].filter((m) => !m.deleted).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.seq - b.seq), [messages]);
  useEffect(() => {
    listRef.current?.lastElementChild?.scrollIntoView?.({ block: 'nearest' });
  }, [ordered.length]);
  const live = status?.status === 'live';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const sent = await liveApi.post(sessionId, replyTo ? { type: 'answer', text, replyTo: replyTo.id } : { type, text });
      setMessages((prev) => new Map(prev).set(sent.id, sent));
      setText('');
      setReplyTo(null);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const act = (fn: () => Promise<ChatMessage>) => () =>
    void fn().then(
      (m) => setMessages((prev) => new Map(prev).set(m.id, m)),
      (err: unknown) => setError(err),
    );

  return (
    <aside className="chat card" data-testid="chat-panel" data-chat-state={state}>
      <h2>{t('chat.title')}</h2>
      {state === 'connecting' && <p className="muted small">{t('chat.connecting')}</p>}
      {refusal && <p className="error small" data-testid="chat-refused">{refusal}</p>}
      <ol className="chat-list" ref={listRef}>
        {ordered.map((m) => {
          const question = m.replyTo ? messages.get(m.replyTo) : undefined;
          return (
            <li key={m.id} className={`chat-message chat-${m.type}`} data-testid="chat-message" data-message-id={m.id} data-type={m.type} data-answered={m.answered ? 'true' : 'false'}>
              <div className="chat-meta">
                <strong>{m.displayName}</strong> <span className="muted small">{formatTime(m.createdAt)}</span>
                {m.type === 'question' && <span className={`badge ${m.answered ? 'badge-ok' : ''}`}>{m.answered ? t('chat.answered') : t('chat.question')}</span>}
              </div>
              {m.type === 'answer' && <div className="muted small">↳ {question ? (question.deleted ? t('chat.questionDeleted') : question.text.slice(0, 80)) : t('chat.answer')}</div>}
              <div className="chat-text" data-testid="chat-text">{m.text}</div>
              <div className="chat-actions">
                {m.type === 'question' && live && (
                  <button className="link" data-testid="chat-answer" onClick={() => setReplyTo(m)}>
                    {t('chat.reply')}
                  </button>
                )}
                {canModerate && m.type === 'question' && (
                  <button className="link" data-testid="chat-mark-answered" onClick={act(() => liveApi.markAnswered(sessionId, m.id, !m.answered))}>
                    {m.answered ? t('chat.markUnanswered') : t('chat.markAnswered')}
                  </button>
                )}
                {canModerate && (
                  <button className="link" data-testid="chat-delete" onClick={act(() => liveApi.deleteMessage(sessionId, m.id))}>
                    {t('chat.delete')}
                  </button>
                )}
              </div>
            </li>
          );
        })}
        {ordered.length === 0 && state === 'open' && <li className="muted small">{t('chat.none')}</li>}
      </ol>
      <ErrorMessage error={error} testId="chat-error" />
      {live ? (
        <form className="chat-form" onSubmit={submit} data-testid="chat-form">
          {replyTo ? (
            <div className="small">
              {t('chat.answering', { text: replyTo.text.slice(0, 60) })}{' '}
              <button type="button" className="link" onClick={() => setReplyTo(null)}>
                {t('chat.cancelReply')}
              </button>
            </div>
          ) : (
            <div className="inline small">
              <label className="inline">
                <input type="radio" name="chat-type" data-testid="chat-type-text" checked={type === 'text'} onChange={() => setType('text')} /> {t('chat.message')}
              </label>
              <label className="inline">
                <input type="radio" name="chat-type" data-testid="chat-type-question" checked={type === 'question'} onChange={() => setType('question')} /> {t('chat.question')}
              </label>
            </div>
          )}
          <textarea className="plain" data-testid="chat-input" value={text} onChange={(e) => setText(e.target.value)} maxLength={2000} rows={2} required placeholder={t('chat.placeholder')} aria-label={t('chat.input')} />
          <button className="primary" data-testid="chat-send" disabled={busy || !text.trim()}>
            {t('chat.send')}
          </button>
        </form>
      ) : (
        status && <p className="muted small">{status.status === 'scheduled' ? t('chat.opensLater') : t('chat.readOnly')}</p>
      )}
    </aside>
  );
}
