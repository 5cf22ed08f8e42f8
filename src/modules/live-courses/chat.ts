import crypto from 'node:crypto';
import type { Executor } from '../../db/client.ts';
import type { ChatMessage, ChatMessageType, ChatPage, ChatStreamStatus, LiveSessionStatus, PostChatBody } from '../../protocol/live-courses.ts';
import type { AuthUser } from '../auth/auth.service.ts';
import { attendanceRepository } from './attendance.repository.ts';
import { isStaff } from './course-access.ts';
import { chatRepository, type ChatRow } from './chat.repository.ts';
import type { LiveBusMessage } from './live-bus.ts';
import type { LiveCore, SessionContext } from './live-core.ts';
import { LiveErrors } from './live-courses.errors.ts';
import { liveSessionsRepository } from './live-sessions.repository.ts';

/**
 * The Q&A chat of a live session (seed 004 §5 "Chat"): `text`, `question` and `answer` (to a
 * question of the same session) messages, stored per session, delivered live to the chat streams
 * (`live-bus.ts`), readable afterwards by participants. Only participants post, only while live,
 * within `LIVE_CHAT_MESSAGES_PER_MINUTE`; instructors and course moderators mark questions
 * answered and delete messages. Every change takes the session's next `chatSeq` under its row
 * lock, so a session's changes commit in `seq` order and `Last-Event-ID` never skips one.
 */

export function messageView(m: ChatRow): ChatMessage {
  return {
    id: m.id,
    seq: m.seq,
    type: m.type as ChatMessageType,
    text: m.deletedAt ? '' : m.text,
    replyTo: m.replyTo,
    userId: m.userId,
    displayName: m.displayName,
    createdAt: m.createdAt.toISOString(),
    answered: m.answered,
    deleted: m.deletedAt !== null,
  };
}

const published = (m: ChatRow): LiveBusMessage => ({ kind: 'message', sessionId: m.liveSessionId, message: messageView(m) });

/** Participants (anyone who joined), staff and admins read the chat. @throws AppError forbidden/NOT_A_PARTICIPANT. */
async function requireReader(tx: Executor, ctx: SessionContext, userId: string): Promise<void> {
  if (isStaff(ctx.access) || ctx.access.admin) return;
  if (!(await attendanceRepository.find(tx, ctx.session.id, userId))) throw LiveErrors.notParticipant();
}

/**
 * Posts a message. An answer needs `replyTo`, a live question of the session; an answer by
 * staff marks the question answered.
 * @throws AppError not_found, forbidden/NOT_A_PARTICIPANT, conflict/SESSION_NOT_LIVE,
 *   validation/INVALID_REPLY, rate_limited/RATE_LIMITED (with `retryAfterSeconds`).
 */
export async function postMessage(core: LiveCore, user: AuthUser, sessionId: string, body: PostChatBody, now: Date): Promise<ChatMessage> {
  const type = body.type ?? 'text';
  if (type === 'answer' && !body.replyTo) throw LiveErrors.invalidReply('An answer needs replyTo: the id of a question');
  if (type !== 'answer' && body.replyTo) throw LiveErrors.invalidReply('Only answers have replyTo');
  return core.transact(async (tx, publish) => {
    const ctx = await core.session(tx, user, sessionId, { lock: true });
    if (!(await attendanceRepository.find(tx, sessionId, user.id))) throw LiveErrors.notParticipant();
    if (ctx.session.status !== 'live') throw LiveErrors.notLive(ctx.session.status);
    const windowStart = new Date(now.getTime() - 60_000);
    const recent = await chatRepository.countSince(tx, sessionId, user.id, windowStart);
    if (recent.n >= core.settings.live.chatMessagesPerMinute) {
      const retryAt = (recent.oldest ?? now).getTime() + 60_000;
      throw LiveErrors.chatRateLimited(Math.max(1, Math.ceil((retryAt - now.getTime()) / 1000)));
    }
    const question = body.replyTo ? await chatRepository.find(tx, sessionId, body.replyTo) : undefined;
    if (body.replyTo && (!question || question.type !== 'question' || question.deletedAt)) {
      throw LiveErrors.invalidReply('replyTo must be a question of this session');
    }
    const row: ChatRow = {
      id: crypto.randomUUID(),
      liveSessionId: sessionId,
      seq: await liveSessionsRepository.nextChatSeq(tx, sessionId),
      userId: user.id,
      displayName: user.name,
      type,
      text: body.text.trim(),
      replyTo: body.replyTo ?? null,
      answered: false,
      deletedAt: null,
      createdAt: now,
    };
    await chatRepository.insert(tx, row);
    publish.push(published(row));
    if (question && isStaff(ctx.access) && !question.answered) {
      const answered = await chatRepository.update(tx, question.id, { answered: true, seq: await liveSessionsRepository.nextChatSeq(tx, sessionId) });
      publish.push(published(answered));
    }
    return messageView(row);
  });
}

/**
 * Messages changed after `after` (a `seq`), oldest change first; deleted ones come with
 * `deleted: true` and no text, so a page replaying changes removes them.
 * @throws AppError not_found, forbidden/NOT_A_PARTICIPANT.
 */
export async function listMessages(core: LiveCore, user: AuthUser, sessionId: string, after: number, limit: number): Promise<ChatPage> {
  const ctx = await core.session(core.db, user, sessionId);
  await requireReader(core.db, ctx, user.id);
  const rows = await chatRepository.listAfter(core.db, sessionId, after, limit + 1);
  const page = rows.slice(0, limit);
  return { items: page.map(messageView), nextCursor: rows.length > limit ? String(page[page.length - 1]!.seq) : null };
}

/** Staff change a message (answered flag, deletion) under the session's lock, taking a new `seq`. */
async function moderate(
  core: LiveCore,
  user: AuthUser,
  sessionId: string,
  messageId: string,
  change: (m: ChatRow) => Partial<ChatRow>,
): Promise<ChatMessage> {
  return core.transact(async (tx, publish) => {
    const ctx = await core.session(tx, user, sessionId, { lock: true });
    if (!isStaff(ctx.access)) throw LiveErrors.notStaff();
    const m = await chatRepository.find(tx, sessionId, messageId);
    if (!m || m.deletedAt) throw LiveErrors.messageNotFound();
    const patch = change(m);
    const updated = await chatRepository.update(tx, m.id, { ...patch, seq: await liveSessionsRepository.nextChatSeq(tx, sessionId) });
    publish.push(published(updated));
    return messageView(updated);
  });
}

/** Marks a question answered (or not). @throws AppError not_found, forbidden/NOT_COURSE_STAFF, conflict/NOT_A_QUESTION. */
export function markAnswered(core: LiveCore, user: AuthUser, sessionId: string, messageId: string, answered: boolean): Promise<ChatMessage> {
  return moderate(core, user, sessionId, messageId, (m) => {
    if (m.type !== 'question') throw LiveErrors.notAQuestion();
    return { answered };
  });
}

/** Deletes a message (its text is dropped; listeners see `deleted: true`). @throws AppError not_found, forbidden/NOT_COURSE_STAFF. */
export function deleteMessage(core: LiveCore, user: AuthUser, sessionId: string, messageId: string, now: Date): Promise<ChatMessage> {
  return moderate(core, user, sessionId, messageId, () => ({ deletedAt: now, text: '' }));
}

/** An open chat stream: what to send first, then live messages once `start` is called, until `close`. */
export interface ChatStream {
  status: ChatStreamStatus;
  /** Changes after the `Last-Event-ID`, oldest first. */
  backlog: ChatMessage[];
  /** Call once the backlog is written: live messages that came meanwhile follow, then the rest as they come. */
  start(): void;
  close(): void;
}

/**
 * Opens a participant's chat stream: subscribes to the session first, then reads the changes
 * after `afterSeq`, so that nothing committed in between is lost; a live message already in the
 * backlog is not sent twice (`seq`).
 * @throws AppError not_found, forbidden/NOT_A_PARTICIPANT.
 */
export async function openStream(
  core: LiveCore,
  user: AuthUser,
  sessionId: string,
  afterSeq: number,
  send: (message: LiveBusMessage) => void,
): Promise<ChatStream> {
  const ctx = await core.session(core.db, user, sessionId);
  await requireReader(core.db, ctx, user.id);
  // Changes up to the backlog's last `seq` were committed before it was read (per-session order), so they are in it.
  let inBacklog = afterSeq;
  let buffered: LiveBusMessage[] | null = [];
  const forward = (m: LiveBusMessage) => {
    if (m.kind !== 'message' || m.message.seq > inBacklog) send(m);
  };
  const unsubscribe = await core.bus.subscribe(sessionId, (m) => (buffered ? buffered.push(m) : forward(m)));
  try {
    const backlog: ChatMessage[] = [];
    for (let after = afterSeq; ; ) {
      const page = await chatRepository.listAfter(core.db, sessionId, after, 1_000);
      backlog.push(...page.map(messageView));
      if (page.length < 1_000) break;
      after = page[page.length - 1]!.seq;
    }
    const s = (await liveSessionsRepository.findById(core.db, sessionId))!;
    inBacklog = Math.max(afterSeq, ...backlog.map((m) => m.seq));
    return {
      status: { status: s.status as LiveSessionStatus, actualStartAt: s.actualStartAt?.toISOString() ?? null, actualEndAt: s.actualEndAt?.toISOString() ?? null },
      backlog,
      start: () => {
        const early = buffered ?? [];
        buffered = null;
        for (const m of early) forward(m);
      },
      close: unsubscribe,
    };
  } catch (err) {
    unsubscribe();
    throw err;
  }
}
