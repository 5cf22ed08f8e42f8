import type { Executor } from '../../db/client.ts';
import type { Clock } from '../../shared/clock.ts';
import type { Logger } from '../../shared/logger.ts';
import { requireAdmin, type AuthUser } from '../auth/auth.service.ts';
import type { AfterErasure } from '../module.ts';
import { MAX_CONSUMED_BYTES, parseConsumedEvent, type ConsumedEvent, type RawEvent } from './inbox.events.ts';
import { inboxRepository } from './inbox.repository.ts';

/** How a consumed event arrived. */
export interface Delivery {
  transport: 'kafka' | 'http';
  topic?: string;
  partition?: number;
  offset?: string;
}

/** What became of a consumed event. */
export type Outcome = { status: 'processed'; eventId: string } | { status: 'duplicate'; eventId: string } | { status: 'parked'; reason: string };

/** One module's share of a user's erasure. */
export interface Eraser {
  name: string;
  eraseUser(tx: Executor, userId: string): Promise<void | AfterErasure>;
}

/**
 * The inbox (issue 10): events consumed from the platform, applied once in effect. `accept`
 * validates the event (schema, size), applies it and records its id in `processed_events` in one
 * transaction, so a redelivered event (Kafka after a crash, an HTTP retry) changes nothing; an
 * event that cannot be applied is parked in `dead_letters` with the reason and the raw value, and
 * the consumer goes on.
 *
 * `user.deleted` (seed 000 §6.3, GDPR article 17) erases the user in every module in that one
 * transaction (`ServiceModule.eraseUser`); what must happen outside the database (sockets closed
 * 4403, stored objects deleted by a job) runs after the commit. Logs name the event, never the user.
 */
export class InboxService {
  constructor(
    private readonly db: Executor,
    private readonly erasers: () => readonly Eraser[],
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /**
   * Applies one consumed event. @returns processed, duplicate or parked.
   * @throws Error when the database fails: nothing was applied; the caller retries (Kafka: the
   *   offset is not committed; HTTP: 503).
   */
  async accept(raw: RawEvent, delivery: Delivery): Promise<Outcome> {
    const parsed = parseConsumedEvent(raw);
    if (!parsed.ok) {
      await this.park(raw, delivery, parsed.reason);
      return { status: 'parked', reason: parsed.reason };
    }
    return this.apply(parsed.event, delivery);
  }

  /** The newest dead letters (admins only). @throws AppError forbidden/ADMIN_ONLY. */
  async listDeadLetters(user: AuthUser, limit: number) {
    requireAdmin(user, 'read dead letters');
    const rows = await inboxRepository.listDeadLetters(this.db, limit);
    return {
      items: rows.map((r) => ({
        seq: r.seq,
        transport: r.transport,
        topic: r.topic,
        partition: r.partition,
        offset: r.offset,
        reason: r.reason,
        value: r.value,
        receivedAt: r.receivedAt.toISOString(),
      })),
    };
  }

  /** The inbox's own share of an erasure: dead letters that mention the user. */
  async eraseUser(tx: Executor, userId: string): Promise<void> {
    await inboxRepository.deleteDeadLettersMentioning(tx, userId);
  }

  private async apply(event: ConsumedEvent, delivery: Delivery): Promise<Outcome> {
    const now = this.clock.now();
    const after: AfterErasure[] = [];
    const erasers = this.erasers();
    const fresh = await this.db.transaction(async (tx) => {
      const isNew = await inboxRepository.markProcessed(tx, { id: event.id, type: event.type, source: event.source, transport: delivery.transport, processedAt: now });
      if (!isNew) return false;
      for (const eraser of erasers) {
        const then = await eraser.eraseUser(tx, event.data.userId);
        if (then) after.push(then);
      }
      return true;
    });
    if (!fresh) {
      this.logger.info({ eventId: event.id, transport: delivery.transport }, 'inbox: user.deleted already applied');
      return { status: 'duplicate', eventId: event.id };
    }
    for (const then of after) {
      try {
        await then();
      } catch (err) {
        this.logger.error({ err, eventId: event.id }, 'inbox: a step after the erasure failed (its sweep retries)');
      }
    }
    this.logger.info({ eventId: event.id, transport: delivery.transport, modules: erasers.length }, 'inbox: user erased');
    return { status: 'processed', eventId: event.id };
  }

  private async park(raw: RawEvent, delivery: Delivery, reason: string): Promise<void> {
    await inboxRepository.insertDeadLetter(this.db, {
      transport: delivery.transport,
      topic: delivery.topic ?? null,
      partition: delivery.partition ?? null,
      offset: delivery.offset ?? null,
      value: raw.value.slice(0, MAX_CONSUMED_BYTES),
      headers: Object.fromEntries(raw.headers),
      reason,
      receivedAt: this.clock.now(),
    });
    this.logger.warn({ transport: delivery.transport, topic: delivery.topic, partition: delivery.partition, offset: delivery.offset, reason }, 'inbox: event parked in the dead letters');
  }
}
