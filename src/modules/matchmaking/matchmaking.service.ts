import type { Executor } from '../../db/client.ts';
import type { RegistrationsService } from '../registrations/registrations.service.ts';
import type { SessionsService } from '../sessions/sessions.service.ts';
import { MAX_SESSION_SIZE, type SlotsService } from '../slots/slots.service.ts';
import { groupByKey, splitIntoGroups } from './grouping.ts';

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
   * `batchSize` slots per transaction with a handful of set-wise statements per batch.
   * Inactive slots are marked processed without sessions.
   */
  async run(now: Date, batchSize = 100): Promise<MatchmakingResult> {
    const result: MatchmakingResult = { slotsProcessed: 0, sessionsCreated: 0, unmatched: 0 };
    for (;;) {
      const processed = await this.db.transaction(async (tx) => {
        const claimed = await this.slots.claimSlotsToMatch(tx, now, batchSize);
        const active = claimed.filter((slot) => slot.isActive);
        const registered = await this.registrations.listRegisteredForSlots(tx, active.map((slot) => slot.id));
        const bySlot = groupByKey(registered, (r) => r.timeSlotId);
        const plans = active.flatMap((slot) => {
          // Registrations of a slot share its language and level today; grouping by key keeps the
          // rule explicit should registrations ever carry their own level.
          const byLevel = groupByKey(bySlot.get(slot.id) ?? [], () => `${slot.targetLanguageCode}:${slot.level}`);
          return [...byLevel.values()].map((members) => ({
            slot,
            ...splitIntoGroups(members, { minSize: slot.minParticipants, maxSize: MAX_SESSION_SIZE }),
          }));
        });
        const sessionIds = await this.sessions.createSlotSessions(
          tx,
          plans.map(({ slot, groups }) => ({
            slot,
            groups: groups.map((g) => g.map((r) => ({ registrationId: r.id, userId: r.userId, displayName: r.displayName }))),
          })),
          now,
        );
        await this.registrations.assignSessions(
          tx,
          active,
          plans.flatMap(({ groups }, p) => groups.flatMap((g, i) => g.map((registration) => ({ registration, sessionId: sessionIds[p][i] })))),
          now,
        );
        const leftOut = plans.flatMap(({ leftOut }) => leftOut);
        await this.registrations.markUnmatched(tx, active, leftOut, NOT_ENOUGH_PARTICIPANTS, now);
        await this.slots.markMatched(tx, claimed.map((slot) => slot.id), now);
        result.sessionsCreated += plans.reduce((n, p) => n + p.groups.length, 0);
        result.unmatched += leftOut.length;
        return claimed.length;
      });
      result.slotsProcessed += processed;
      if (processed < batchSize) return result;
    }
  }
}
