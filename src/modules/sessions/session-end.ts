import type { EndReason } from './sessions.views.ts';

/** What the ending rules look at for each member. */
export interface EndingMember {
  /** First connection to the call, or null if never connected. */
  joinedAt: Date | null;
  leftAt: Date | null;
}

/**
 * Seed 002 AC7 "automatiquement si tous les participants sont partis" (reason `all_left`): a
 * private session ends when no member remains; a slot session, once active, when every member who
 * connected has left and at least two had (fewer is the start-grace rule's `cancelled`).
 * @param members every member, with the leave being decided already applied.
 */
export function everyoneLeft(session: { type: string; status: string }, members: readonly EndingMember[]): boolean {
  if (session.type === 'private') return members.every((m) => m.leftAt !== null);
  const joined = members.filter((m) => m.joinedAt !== null);
  return session.status === 'active' && joined.length >= 2 && joined.every((m) => m.leftAt !== null);
}

/** A slot session at its slot end (seed 000 §5.3): `completed` if at least two members connected, else `cancelled`. */
export function reasonAtSlotEnd(members: readonly EndingMember[]): EndReason {
  return members.filter((m) => m.joinedAt).length >= 2 ? 'completed' : 'cancelled';
}

/** A private session nobody is connected to for `RULES_ORPHAN_TIMEOUT` (seed 000 §7.2): `all_left` if anyone ever connected, else `cancelled`. */
export function reasonForOrphan(members: readonly EndingMember[]): EndReason {
  return members.some((m) => m.joinedAt) ? 'all_left' : 'cancelled';
}
