/**
 * Error messages shown to users (issue 15): each stable code the server sends (`SLOT_FULL`,
 * `DAILY_SESSION_LIMIT`, … — the `*.errors.ts` catalogues and `AppError`s of `src/`) has a
 * sentence under `errors.<CODE>` in every catalogue (`test/unit/i18n.test.ts` checks it); an
 * unknown code reads as a generic sentence with the code beside it, never as the server's English.
 */
import { ApiError } from '../api.ts';
import i18n from './index.ts';
import { msg, translate, type Message } from './message.ts';

/** The translated message of an error code (`errors.generic` when the catalogue has none). */
export function errorMessage(code: string, values?: Record<string, string | number>): Message {
  const key = `errors.${code}`;
  return i18n.exists(key) ? msg(key, values) : msg('errors.generic', { code });
}

/** Anything thrown, in words of the current language: API errors by code, the rest generically. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return translate(errorMessage(error.code, detailValues(error)));
  // Not from the API (a browser failure): the generic sentence, with the browser's own words as detail.
  return translate(msg('errors.unexpected', { detail: error instanceof Error ? error.message || error.name : String(error) }));
}

/** Values some sentences use (`{{limit}}`, `{{registered}}`), from the error's details. */
function detailValues(error: ApiError): Record<string, string | number> | undefined {
  const values: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(error.details ?? {})) if (typeof v === 'string' || typeof v === 'number') values[k] = v;
  if (error.retryAfterSeconds) values.retryAfterSeconds = error.retryAfterSeconds;
  return Object.keys(values).length ? values : undefined;
}
