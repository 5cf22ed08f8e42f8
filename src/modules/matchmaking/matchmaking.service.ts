import crypto from 'node:crypto';
import type { Executor } from '../../db/client.ts';
import type { GroupRange, RegistrationsService } from '../registrations/registrations.service.ts';
import type { PlannedSlotSession, SessionsService } from '../sessions/sessions.service.ts';
import { MAX_SESSION_SIZE, type SlotsService } from '../slots/slots.service.ts';
import { groupSizes } from './grouping.ts';

/** Recorded on registrations that matchmaking could not place (seed 000 §5.2 c). */
export const NOT_ENOUGH_PARTICIPANTS = 'NOT_ENOUGH_PARTICIPANTS';

/** Outcome of one matchmaking run. */
export interface MatchmakingResult {
  slotsProcessed: number;
  sessionsCreated: number;
  unmatched: number;
}

/**
 * Matchmaking (seed 000 §5.2): once a slot's registration closes, its registrations are grouped
 * by language and level and split into balanced sessions of 2..8. Each slot is claimed with
 * `FOR UPDATE SKIP LOCKED` and marked matched in the same transaction, so the job is idempotent
 * and two instances never match a slot twice.
 *
 * The registrations stay in the database (issue 14: a sweep places 100,000): the registrations
 * module says how many each slot has; the sizes of the groups are decided here (`groupSizes`)
 * and sent back as rank ranges, which it ranks and places; from the placements the sessions,
 * their participants, the registrations' session and the `registration.matched` events (one
 * grouped outbox row per session) are written by one statement each.
 */
export class MatchmakingService {
  constructor(
    private readonly db: Executor,
    private readonly slots: SlotsService,
    private readonly registrations: RegistrationsService,
    private readonly sessions: SessionsService,
  ) {}

  /**
   * Matches every slot whose registration closed by `now` (`startTime - RULES_REGISTRATION_CUTOFF`),
   * `batchSize` slots per transaction. Inactive slots are marked processed without sessions.
   */
  async run(now: Date, batchSize = 100): Promise<MatchmakingResult> {
    const result: MatchmakingResult = { slotsProcessed: 0, sessionsCreated: 0, unmatched: 0 };
    for (;;) {
      const processed = await this.db.transaction(async (tx) => {
        const claimed = await this.slots.claimSlotsToMatch(tx, now, batchSize);
        const active = claimed.filter((slot) => slot.isActive);
        // A slot has one language and one level (seed 000 §5.2 a), so its registrations are one pool.
        const counts = active.length ? await this.registrations.countForMatching(tx, active.map((slot) => slot.id)) : new Map<string, number>();
        const planned: PlannedSlotSession[] = [];
        const ranges: GroupRange[] = [];
        const tooFew: string[] = [];
        for (const slot of active) {
          const count = counts.get(slot.id) ?? 0;
          const sizes = groupSizes(count, { minSize: slot.minParticipants, maxSize: MAX_SESSION_SIZE });
          if (sizes.length === 0 && count > 0) tooFew.push(slot.id);
          let firstRank = 0;
          for (const size of sizes) {
            const id = crypto.randomUUID();
            planned.push({ id, slot, size });
            ranges.push({ timeSlotId: slot.id, sessionId: id, firstRank, size });
            firstRank += size;
          }
        }
        if (planned.length) {
          const placements = await this.registrations.place(tx, ranges);
          await this.sessions.createSlotSessions(tx, planned, placements, now);
          await this.registrations.assignSessions(tx, [...new Set(ranges.map((r) => r.timeSlotId))], placements, now);
        }
        const leftOut = tooFew.length ? await this.registrations.listRegisteredForSlots(tx, tooFew) : [];
        await this.registrations.markUnmatched(tx, active, leftOut, NOT_ENOUGH_PARTICIPANTS, now);
        await this.slots.markMatched(tx, claimed.map((slot) => slot.id), now);
        result.sessionsCreated += planned.length;
        result.unmatched += leftOut.length;
        return claimed.length;
      });
      result.slotsProcessed += processed;
      if (processed < batchSize) return result;
    }
  }
}
