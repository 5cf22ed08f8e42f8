/** What the hand-over looks at for each member. */
export interface HandoverCandidate {
  userId: string;
  /** First connection to the call, or null if never connected. */
  joinedAt: Date | null;
  leftAt: Date | null;
  /** When the member was added to the session (tie-break, and order for never-connected members). */
  createdAt: Date;
}

/**
 * The next host when the host of a private session leaves (seed 002 AC6): the remaining member
 * present the longest, i.e. the earliest `joinedAt` among those who have not left; members who
 * never connected come after, in the order they joined the session; ties go by user id.
 * @returns the new host's user id, or null when nobody remains.
 */
export function nextHost(members: readonly HandoverCandidate[], leavingUserId: string): string | null {
  const remaining = members.filter((m) => m.userId !== leavingUserId && m.leftAt === null);
  remaining.sort((a, b) => {
    if (a.joinedAt && b.joinedAt && a.joinedAt.getTime() !== b.joinedAt.getTime()) return a.joinedAt.getTime() - b.joinedAt.getTime();
    if (a.joinedAt && !b.joinedAt) return -1;
    if (!a.joinedAt && b.joinedAt) return 1;
    // Equal instants (same millisecond): the user id keeps the choice stable.
    return a.createdAt.getTime() - b.createdAt.getTime() || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0);
  });
  return remaining[0]?.userId ?? null;
}
