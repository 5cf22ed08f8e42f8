import crypto from 'node:crypto';
import type { Executor } from '../../db/client.ts';
import { AppError } from '../../shared/errors.ts';
import { requireAdmin, type AuthUser } from '../auth/auth.service.ts';
import { EVENT_SOURCE, toCloudEvent, type CloudEvent, type OutboxEvent } from './cloud-event.ts';
import { outboxRepository, type OutboxPosition } from './outbox.repository.ts';

/**
 * The transactional outbox (DESIGN 3): `record` writes an event inside the caller's transaction,
 * so the event exists if and only if the state change it reports committed. A relay delivers the
 * rows to the event sinks afterwards; admins can read them (`list`).
 */
export class OutboxService {
  constructor(private readonly db: Executor) {}

  /**
   * Writes one event in `tx` (the transaction of the state change it reports).
   * @returns the event as written.
   */
  async record<T>(tx: Executor, event: OutboxEvent<T>): Promise<CloudEvent<T>> {
    const id = crypto.randomUUID();
    const row = { id, type: event.type, source: EVENT_SOURCE, subject: event.subject, time: event.time, key: event.key, data: event.data as unknown as object };
    await outboxRepository.insert(tx, row);
    return toCloudEvent(row) as CloudEvent<T>;
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
    requireAdmin(user, 'read events');
    const position = after === undefined ? null : await this.parseCursor(after);
    const rows = await outboxRepository.listAfter(this.db, position, limit);
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
    const position = await outboxRepository.positionOfSeq(this.db, seq);
    if (!position) throw invalid();
    return position;
  }
}
