/**
 * Whether an error means the database cannot be reached right now (issue 13): the server is down
 * or restarting, refused or dropped the connection, no connection came within the pool's timeout,
 * or the server cancelled a statement at `statement_timeout`. Callers answer 503
 * `DATABASE_UNAVAILABLE` (HTTP) or close with 1013 (signaling) instead of 500: retrying later
 * can work. Drivers and drizzle wrap errors, so the `cause` chain is followed.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string') {
      if (NETWORK_CODES.has(code)) return true;
      // SQLSTATE class 08 (connection exception), 57P01-57P03 (shutdown, crash, cannot connect now),
      // 53300 (too many connections), 57014 (statement timeout / cancelled).
      if (/^08...$/.test(code) || ['57P01', '57P02', '57P03', '53300', '57014'].includes(code)) return true;
    }
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((m) => message.includes(m))) return true;
  }
  return false;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** What `pg` says when it loses or cannot get a connection (its errors carry no code then). */
const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Connection ended unexpectedly',
  'Client was closed and is not queryable',
];

/** Seconds a client should wait before retrying when the database is unavailable (`Retry-After`). */
export const DATABASE_RETRY_AFTER_SECONDS = 5;
