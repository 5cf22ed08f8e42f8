import type { SessionCore } from './session-core.ts';
import { reasonAtSlotEnd, reasonForOrphan } from './session-end.ts';
import { sessionsRepository, type ParticipantRow, type SessionRow } from './sessions.repository.ts';
import type { EndReason, SessionChange } from './sessions.views.ts';

/** Sessions handled per kind and per run; the next run takes the rest. */
const BATCH = 100;

/**
 * The lifecycle sweep (seed 000 §5.3, seed 002 AC7, DESIGN 4.6), safe on several instances
 * (`FOR UPDATE SKIP LOCKED`):
 * - slot sessions start (`active`) at the slot time, whoever is connected;
 * - they end `cancelled` when fewer than 2 members connected by `RULES_START_GRACE` after it,
 *   and at the slot end `completed` (or `cancelled`, `session-end.ts`);
 * - private sessions end `timeout` `RULES_PRIVATE_SESSION_TIMEOUT` after their start;
 * - private sessions nobody is connected to for `RULES_ORPHAN_TIMEOUT` are cleaned up
 *   (`all_left`, or `cancelled` when nobody ever connected).
 * @returns the committed changes (also pushed to the core's listeners).
 */
export async function runSessionLifecycle(core: SessionCore, now: Date): Promise<SessionChange[]> {
  const { rules } = core;
  const out: SessionChange[] = [];
  await core.transact(async (tx, after) => {
    for (const s of await sessionsRepository.claimSessionsToStart(tx, now, BATCH)) {
      // A session whose end already passed (jobs were stopped) is completed below, not started.
      if (s.scheduledEndAt && s.scheduledEndAt.getTime() <= now.getTime()) continue;
      await core.start(tx, after, s, s.scheduledStartAt ?? now);
    }
    out.push(...after.changes);
  });
  await core.transact(async (tx, after) => {
    const ended = new Set<string>();
    const endAll = async (rows: SessionRow[], reasonOf: (members: ParticipantRow[]) => EndReason) => {
      for (const s of rows) {
        if (s.status === 'ended' || ended.has(s.id)) continue;
        await core.end(tx, after, s, reasonOf(await sessionsRepository.listParticipants(tx, s.id)), now);
        ended.add(s.id);
      }
    };
    await endAll(await sessionsRepository.claimSessionsToCancel(tx, new Date(now.getTime() - rules.startGraceMs), BATCH), () => 'cancelled');
    await endAll(await sessionsRepository.claimSessionsPastEnd(tx, now, BATCH), reasonAtSlotEnd);
    await endAll(await sessionsRepository.claimPrivateSessionsTimedOut(tx, new Date(now.getTime() - rules.privateSessionTimeoutMs), BATCH), () => 'timeout');
    await endAll(await sessionsRepository.claimOrphanedPrivateSessions(tx, new Date(now.getTime() - rules.orphanTimeoutMs), BATCH), reasonForOrphan);
    out.push(...after.changes);
  }, null); // the sessions it ends are not known yet: any speaking write in flight lands first
  return out;
}
