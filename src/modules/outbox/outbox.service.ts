import crypto from 'node:crypto';
import type { Executor } from '../../db/client.ts';
import { AppError } from '../../shared/errors.ts';
import { requireAdmin, type AuthUser } from '../auth/auth.service.ts';
import { EVENT_SOURCE, toCloudEvent, type CloudEvent, type OutboxEvent } from './cloud-event.ts';
import { scrubUser } from './erase-user.ts';

export type { GroupedEventsQuery } from './outbox.repository.ts';
import { outboxRepository, type GroupedEventsQuery, type NewOutboxRow, type OutboxPosition } from './outbox.repository.ts';
import { relayRepository } from './relay.repository.ts';

/** `{txId}:{seq}[.{part}]`, or a bare `{seq}` (earlier versions' cursor). The routes' schema says the same. */
export const CURSOR = /^(?:([0-9]{1,20}):)?([0-9]{1,18})(?:\.([0-9]{1,4}))?$/;

/** Events deleted per statement by `prune`. */
const PRUNE_BATCH = 1_000;

/**
 * The transactional outbox (DESIGN 3): `record` writes an event inside the caller's transaction,
 * so the event exists if and only if the state change it reports committed. A relay delivers the
 * rows to the event sinks afterwards; admins can read them (`list`).
 */
export class OutboxService {
  /**
   * @param sinkNames the configured event sinks (none: events count as delivered to the admin log,
   *   which is pruned by age).
   */
  constructor(
    private readonly db: Executor,
    private readonly retentionMs = 7 * 86_400_000,
    private readonly sinkNames: readonly string[] = [],
  ) {}

  /**
   * Writes one event in `tx` (the transaction of the state change it reports).
   * @returns the event as written.
   */
  async record<T>(tx: Executor, event: OutboxEvent<T>): Promise<CloudEvent<T>> {
    const row = toRow(event);
    await outboxRepository.insert(tx, row);
    return toCloudEvent(row) as CloudEvent<T>;
  }

  /** Writes several events in `tx`, in order, with one statement (bulk state changes: matchmaking, reminders). */
  async recordMany(tx: Executor, events: readonly OutboxEvent[]): Promise<void> {
    await outboxRepository.insertMany(tx, events.map(toRow));
  }

  /**
   * Writes in `tx`, with one statement, groups of events that differ only in their subject and
   * key: one grouped row per row `grouped.query` selects (see `outboxRepository.insertGrouped`),
   * read as one event per member. For events made from many rows already in the database
   * (matchmaking's `registration.matched`, issue 14).
   */
  async recordGrouped(tx: Executor, grouped: GroupedEventsQuery): Promise<void> {
    await outboxRepository.insertGrouped(tx, EVENT_SOURCE, grouped);
  }

  /**
   * Outbox events after a cursor, oldest first (admins only). The cursor (`"{txId}:{seq}"`, or
   * `"{txId}:{seq}.{part}"` for an event of a grouped row; opaque to readers) follows the order transactions committed in, as far as it can be known:
   * a reader that pages with it never skips an event, even one whose transaction started first
   * and committed last; events of a transaction still running elsewhere wait, with everything
   * after them, until it ends. A bare `seq`, the cursor of earlier versions, is still accepted.
   * @throws AppError forbidden/ADMIN_ONLY, validation/INVALID_CURSOR.
   */
  async list(user: AuthUser, after: string | undefined, limit: number): Promise<{ items: (CloudEvent & { cursor: string })[]; nextCursor: string | null }> {
    requireAdmin(user, 'read events');
    const position = after === undefined ? null : await this.parseCursor(after);
    const rows = await outboxRepository.listAfter(this.db, position, limit);
    const items = rows.map((r) => ({ ...toCloudEvent(r), cursor: r.part ? `${r.txId}:${r.seq}.${r.part}` : `${r.txId}:${r.seq}` }));
    return { items, nextCursor: items.length ? items[items.length - 1].cursor : after ?? null };
  }

  /**
   * Deletes events sent more than `EVENTS_RETENTION` ago (without a sink: written more than that
   * ago), in batches; keys left without events lose their relay positions.
   * @returns how many events were deleted.
   */
  async prune(now: Date): Promise<number> {
    const cutoff = new Date(now.getTime() - this.retentionMs);
    let total = 0;
    for (;;) {
      const deleted = await relayRepository.prune(this.db, cutoff, this.sinkNames.length === 0, PRUNE_BATCH);
      total += deleted;
      if (deleted < PRUNE_BATCH) return total;
    }
  }

  /** Unsent events and the age of the oldest, in seconds at `now` (readiness, metrics). */
  async backlog(now: Date): Promise<{ unpublished: number; oldestAgeSeconds: number | null }> {
    if (this.sinkNames.length === 0) return { unpublished: 0, oldestAgeSeconds: null };
    const { count, oldest } = await relayRepository.backlog(this.db);
    return { unpublished: count, oldestAgeSeconds: oldest ? Math.max(0, Math.round((now.getTime() - oldest.getTime()) / 1000)) : null };
  }

  /**
   * The outbox's share of a user's erasure (seed 000 §6.3), in the erasure's transaction: events
   * keyed by or about the user are deleted; events that also concern others keep them, with the
   * user's entries removed (`erase-user.ts`). Events already delivered cannot be recalled.
   */
  async eraseUser(tx: Executor, userId: string): Promise<void> {
    const rows = await outboxRepository.takeRowsNaming(tx, userId);
    const about: number[] = [];
    for (const row of rows) {
      const data = scrubUser(row.data, userId);
      if (data === null) about.push(row.seq);
      else await outboxRepository.replaceData(tx, row.seq, data);
    }
    await outboxRepository.deleteRows(tx, about);
  }

  /** Keys the relay stopped on a poison event (admins only). @throws AppError forbidden/ADMIN_ONLY. */
  async listParked(user: AuthUser): Promise<{ items: { sink: string; key: string; parkedAt: string | null; eventId: string | null; error: string | null; failures: number }[] }> {
    requireAdmin(user, 'read the relay\'s parked keys');
    const rows = await relayRepository.listParked(this.db);
    return { items: rows.map((r) => ({ sink: r.sink, key: r.key, parkedAt: r.parkedAt?.toISOString() ?? null, eventId: r.parkedEventId, error: r.lastError, failures: r.failures })) };
  }

  /**
   * Lets a parked key be delivered again (admins only), once its cause is fixed.
   * @throws AppError forbidden/ADMIN_ONLY, not_found/NOT_PARKED.
   */
  async retryParked(user: AuthUser, sink: string, key: string, now: Date): Promise<void> {
    requireAdmin(user, 'retry parked keys');
    if (!(await relayRepository.unpark(this.db, sink, key, now))) throw new AppError('not_found', 'NOT_PARKED', 'No parked key of that sink has this name');
  }

  private async parseCursor(cursor: string): Promise<OutboxPosition | null> {
    const invalid = () => new AppError('validation', 'INVALID_CURSOR', 'after must be a cursor returned by this endpoint');
    const match = CURSOR.exec(cursor);
    const seq = Number(match?.[2]);
    if (!match || !Number.isSafeInteger(seq)) throw invalid();
    if (match[1] !== undefined) return { txId: match[1], seq, part: Number(match[3] ?? 0) };
    if (match[3] !== undefined) throw invalid();
    if (seq === 0) return null;
    const position = await outboxRepository.positionOfSeq(this.db, seq);
    if (!position) throw invalid();
    return position;
  }
}

function toRow(event: OutboxEvent): NewOutboxRow {
  return { id: crypto.randomUUID(), type: event.type, source: EVENT_SOURCE, subject: event.subject, time: event.time, key: event.key, data: event.data as object };
}
