import crypto from 'node:crypto';

/** Characters of the random part: lower-case letters and digits, all Jitsi accepts in a room name. */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** Random characters per room name (DESIGN 4.9: at least 10); 12 of 36 give about 62 bits. */
export const ROOM_RANDOM_LENGTH = 12;

/** `length` characters of `ALPHABET` from the crypto source, unbiased (`randomInt`). */
export function randomRoomPart(length = ROOM_RANDOM_LENGTH): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[crypto.randomInt(ALPHABET.length)];
  return out;
}

/** Lower case, anything outside `[a-z0-9-]` turned into `-`, runs of `-` collapsed, none at either end. */
export function roomSlug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
}

/**
 * A session's Jitsi room name (seed 004 §1 étape 3, DESIGN 4.9):
 * `{prefix}-course-{courseId}-session-{n}-{random}`, lower case, `[a-z0-9-]` only, the random part
 * from a crypto source, so that the name cannot be guessed from the course and the number. The
 * course id part is cut to 40 characters (room names stay short enough for URLs and XMPP JIDs).
 */
export function jitsiRoomName(prefix: string, courseId: string, n: number, random = randomRoomPart()): string {
  const course = roomSlug(courseId).slice(0, 40).replace(/-$/, '') || 'x';
  return roomSlug(`${prefix}-course-${course}-session-${n}-${random}`);
}

/** A room password: 16 characters of `ALPHABET` (typed by nobody: the join page fills it in). */
export function roomPassword(): string {
  return randomRoomPart(16);
}
