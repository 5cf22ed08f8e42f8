import crypto from 'node:crypto';
import type { Executor } from '../../db/client.ts';
import { AppError } from '../../shared/errors.ts';
import type { AuthUser } from '../auth/auth.service.ts';
import { eventsRepository, type OutboxRow } from './events.repository.ts';

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
   * Outbox events after a cursor, oldest first (admins only). The cursor is the opaque `seq` of
   * the last event read; rows of transactions that commit out of order can appear behind it, so
   * a reader that must see everything rereads the last few seconds (the Kafka relay will not use
   * this cursor).
   * @throws AppError forbidden/ADMIN_ONLY, validation/INVALID_CURSOR.
   */
  async list(user: AuthUser, after: string | undefined, limit: number): Promise<{ items: (CloudEvent & { cursor: string })[]; nextCursor: string | null }> {
    if (!user.roles.includes('admin')) throw new AppError('forbidden', 'ADMIN_ONLY', 'Only admins may read events');
    const from = after === undefined ? 0 : Number(after);
    if (!Number.isSafeInteger(from) || from < 0) throw new AppError('validation', 'INVALID_CURSOR', 'after must be a cursor returned by this endpoint');
    const rows = await eventsRepository.listAfter(this.db, from, limit);
    const items = rows.map((r) => ({ ...toCloudEvent(r), cursor: String(r.seq) }));
    return { items, nextCursor: items.length ? items[items.length - 1].cursor : after ?? null };
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
