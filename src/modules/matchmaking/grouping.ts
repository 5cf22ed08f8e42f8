/** Grouping settings of one slot (seed 000 §5.2; DESIGN 2 and 4.6). */
export interface GroupingRules {
  /** Smallest session; below it nobody is matched (slot `minParticipants`, at least 2). */
  minSize: number;
  /** Largest session (8: full mesh cap). */
  maxSize: number;
}

/**
 * The sizes of the fewest sessions of at most `maxSize` that hold `count` members, as equal as
 * possible (10 people make 5 + 5, not 8 + 2; 17 make 6 + 6 + 5), larger ones first.
 * @returns `[]` when `count` is below `minSize` (at least 2): nobody is matched (seed 000 §5.2 c).
 */
export function groupSizes(count: number, rules: GroupingRules): number[] {
  if (count < Math.max(2, rules.minSize)) return [];
  const groups = Math.ceil(count / rules.maxSize);
  const base = Math.floor(count / groups);
  const larger = count % groups; // the first `larger` groups get one more member
  return Array.from({ length: groups }, (_, g) => base + (g < larger ? 1 : 0));
}
