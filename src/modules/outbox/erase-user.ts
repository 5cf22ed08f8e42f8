/**
 * What an erased user's id becomes inside the data of events that also concern others (a
 * `session.ended` lists every participant): entries about the user are removed, other mentions
 * are emptied (array items naming the user go). Pure. Seed 000 §6.3, GDPR article 17.
 * @returns the scrubbed data, or `null` when the event is about the user itself (`data.userId`):
 *   such an event is deleted whole.
 */
export function scrubUser(data: unknown, userId: string): unknown | null {
  if (isRecord(data) && data.userId === userId) return null;
  return scrub(data, userId);
}

function scrub(value: unknown, userId: string): unknown {
  if (value === userId) return null;
  if (Array.isArray(value)) return value.filter((item) => item !== userId && !(isRecord(item) && item.userId === userId)).map((item) => scrub(item, userId));
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v, userId)]));
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
