import crypto from 'node:crypto';

/**
 * Invite-code alphabet: upper-case letters and digits without look-alikes (0/O, 1/I/L), so a code
 * read aloud or copied by hand works. 31 symbols, 6 characters: about 8.9e8 codes.
 */
export const INVITE_CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const INVITE_CODE_LENGTH = 6;

/** A new invite code from a cryptographic random source (seed 002 AC2). */
export function generateInviteCode(): string {
  let code = '';
  for (let i = 0; i < INVITE_CODE_LENGTH; i++) code += INVITE_CODE_ALPHABET[crypto.randomInt(INVITE_CODE_ALPHABET.length)];
  return code;
}

/**
 * Normalises what a user typed: trims, upper-cases, drops spaces and dashes.
 * @returns the code, or `null` when it cannot be a code (wrong length or characters).
 */
export function normaliseInviteCode(input: string): string | null {
  const code = input.trim().toUpperCase().replace(/[\s-]/g, '');
  if (code.length !== INVITE_CODE_LENGTH) return null;
  for (const c of code) if (!INVITE_CODE_ALPHABET.includes(c)) return null;
  return code;
}
