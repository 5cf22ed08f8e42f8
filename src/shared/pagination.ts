import { AppError } from './errors.ts';

/** Keyset cursor: the sort instant (ISO 8601) and id of the last item of a page. */
export interface Cursor {
  at: string;
  id: string;
}

/** Encodes a cursor as an opaque base64url string. */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.at, cursor.id])).toString('base64url');
}

/**
 * Decodes a cursor made by `encodeCursor`.
 * @throws AppError `validation`/`INVALID_CURSOR`.
 */
export function decodeCursor(text: string): Cursor {
  try {
    const [at, id] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];
    if (typeof at === 'string' && typeof id === 'string' && !Number.isNaN(new Date(at).getTime())) return { at, id };
  } catch {
    // fall through
  }
  throw new AppError('validation', 'INVALID_CURSOR', 'cursor is not valid');
}
