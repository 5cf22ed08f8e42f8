import crypto from 'node:crypto';
import type { Executor } from '../../db/client.ts';
import { AppError } from '../../shared/errors.ts';
import type { AuthUser } from '../auth/auth.service.ts';
import { eventsRepository, type OutboxPosition, type OutboxRow } from './events.repository.ts';

/** Event types this service publishes (DESIGN 4.4; Kafka topic = type). */
export type EventType = 'session.started' | 'session.ended' | 'participant.left' | 'session.recorded';

/** A CloudEvents 1.0 JSON envelope (DESIGN 4.4). `time` is ISO 8601 UTC. */
export interface CloudEvent<T = unknown> {
  specversion: '1.0';
  id: string;
  source: string;
  type: EventType;
  time: string;
  subject: string | null;
  datacontenttype: 'application/json';
  data: T;
}

/** The `source` attribute of every event this service emits. */
export const EVENT_SOURCE = '/conversation-service';

/**
 * The transactional outbox (DESIGN 3): `record` writes an event inside the caller's transaction,
 * so the event exists if and only if the state change it reports committed. Publishing to Kafka
 * is a relay reading these rows (a later issue); admins can read them now.
 */
export class EventsService {
  constructor(private readonly db: Executor) {}

  /**
   * Writes one event in `tx`. `key` is the Kafka message key (the session id, for per-session order).
   * @returns the event as written.
   */
  async record<T>(tx: Executor, event: { type: EventType; subject: string; key: string; time: Date; data: T }): Promise<CloudEvent<T>> {
    const id = crypto.randomUUID();
    await eventsRepository.insert(tx, {
      id,
      type: event.type,
      source: EVENT_SOURCE,
      subject: event.subject,
      time: event.time,
      key: event.key,
      data: event.data as unknown as object,
    });
    return toCloudEvent({ id, type: event.type, source: EVENT_SOURCE, subject: event.subject, time: event.time, data: event.data }) as CloudEvent<T>;
  }

  /**
   * Outbox events after a cursor, oldest first (admins only). The cursor (`"{txId}:{seq}"`,
   * opaque to readers) follows the order transactions committed in, as far as it can be known:
   * a reader that pages with it never skips an event, even one whose transaction started first
   * and committed last; events of a transaction still running elsewhere wait, with everything
   * after them, until it ends. A bare `seq`, the cursor of earlier versions, is still accepted.
   * @throws AppError forbidden/ADMIN_ONLY, validation/INVALID_CURSOR.
   */
  async list(user: AuthUser, after: string | undefined, limit: number): Promise<{ items: (CloudEvent & { cursor: string })[]; nextCursor: string | null }> {
    if (!user.roles.includes('admin')) throw new AppError('forbidden', 'ADMIN_ONLY', 'Only admins may read events');
    const position = after === undefined ? null : await this.parseCursor(after);
    const rows = await eventsRepository.listAfter(this.db, position, limit);
    const items = rows.map((r) => ({ ...toCloudEvent(r), cursor: `${r.txId}:${r.seq}` }));
    return { items, nextCursor: items.length ? items[items.length - 1].cursor : after ?? null };
  }

  private async parseCursor(cursor: string): Promise<OutboxPosition | null> {
    const invalid = () => new AppError('validation', 'INVALID_CURSOR', 'after must be a cursor returned by this endpoint');
    const match = /^(?:([0-9]{1,20}):)?([0-9]{1,18})$/.exec(cursor);
    const seq = Number(match?.[2]);
    if (!match || !Number.isSafeInteger(seq)) throw invalid();
    if (match[1] !== undefined) return { txId: match[1], seq };
    if (seq === 0) return null;
    const position = await eventsRepository.positionOfSeq(this.db, seq);
    if (!position) throw invalid();
    return position;
  }
}

function toCloudEvent(row: Pick<OutboxRow, 'id' | 'type' | 'source' | 'subject' | 'time' | 'data'>): CloudEvent {
  return {
    specversion: '1.0',
    id: row.id,
    source: row.source,
    type: row.type as EventType,
    time: row.time.toISOString(),
    subject: row.subject,
    datacontenttype: 'application/json',
    data: row.data,
  };
}
