/** Grouping settings of one slot (seed 000 §5.2; DESIGN 2 and 4.6). */
export interface GroupingRules {
  /** Smallest session; below it nobody is matched (slot `minParticipants`, at least 2). */
  minSize: number;
  /** Largest session (8: full mesh cap). */
  maxSize: number;
}

/**
 * Splits members into the fewest sessions of at most `maxSize`, with sizes as equal as possible
 * (10 people make 5 + 5, not 8 + 2; 17 make 6 + 6 + 5). Order is kept: earlier members land in
 * earlier groups, so the first registrant hosts the first session.
 * @returns the groups, and the members left out when there are fewer than `minSize`.
 */
export function splitIntoGroups<T>(members: readonly T[], rules: GroupingRules): { groups: T[][]; leftOut: T[] } {
  const minSize = Math.max(2, rules.minSize);
  if (members.length < minSize) return { groups: [], leftOut: [...members] };
  const count = Math.ceil(members.length / rules.maxSize);
  const base = Math.floor(members.length / count);
  const larger = members.length % count; // the first `larger` groups get one more member
  const groups: T[][] = [];
  let index = 0;
  for (let g = 0; g < count; g++) {
    const size = base + (g < larger ? 1 : 0);
    groups.push(members.slice(index, index + size));
    index += size;
  }
  return { groups, leftOut: [] };
}

/**
 * Groups members by a key (language + CEFR level, seed 000 §5.2 a) keeping their order.
 */
export function groupByKey<T>(members: readonly T[], key: (m: T) => string): Map<string, T[]> {
  const byKey = new Map<string, T[]>();
  for (const m of members) {
    const k = key(m);
    const list = byKey.get(k);
    if (list) list.push(m);
    else byKey.set(k, [m]);
  }
  return byKey;
}
