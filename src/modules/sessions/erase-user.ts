import type { Executor } from '../../db/client.ts';
import { nextHost } from './host-handover.ts';
import { sessionsRepository } from './sessions.repository.ts';

/**
 * Seed 000 §6.3 (`user.deleted`, GDPR article 17): removes a user's participations and ratings,
 * inside the erasure's transaction. The sessions themselves stay for the other members, with the
 * user's identity removed: a live private session the user hosted hands over to the member present
 * the longest (`host-handover.ts`); any other session the user hosted keeps no host.
 * @returns how many participations were removed.
 */
export async function eraseUserFromSessions(tx: Executor, userId: string): Promise<number> {
  for (const session of await sessionsRepository.lockSessionsHostedBy(tx, userId)) {
    const members = await sessionsRepository.listParticipants(tx, session.id);
    const heir = session.status === 'ended' ? null : nextHost(members, userId);
    await sessionsRepository.updateSession(tx, session.id, { hostUserId: heir });
    if (heir) await sessionsRepository.updateParticipant(tx, members.find((m) => m.userId === heir)!.id, { role: 'host' });
  }
  await sessionsRepository.deleteRatingsOf(tx, userId);
  return sessionsRepository.deleteParticipationsOf(tx, userId);
}
