import { isDatabaseUnavailable } from '../../db/errors.ts';
import { AppError, type ErrorKind } from '../../shared/errors.ts';

/** WebSocket close codes of the signaling contract (DESIGN 4.3). */
export const CloseCode = {
  /** Normal closure, e.g. after a deliberate leave. */
  normal: 1000,
  /** Set by `ws` itself when a frame exceeds `maxPayload` (64 KiB). */
  messageTooBig: 1009,
  /** Unexpected server failure while admitting the connection. */
  internalError: 1011,
  /**
   * The instance holding the socket was presumed dead (paused past its liveness TTL) and another
   * took its presence over; the client reconnects (RFC 6455 registry: Service Restart).
   */
  presenceLost: 1012,
  /** A dependency (database) is unavailable; the client may retry later. */
  tryAgainLater: 1013,
  badToken: 4401,
  notAParticipant: 4403,
  sessionNotFound: 4404,
  replaced: 4409,
  sessionEnded: 4410,
  rateLimited: 4429,
} as const;

/** Stable codes of `error` frames sent over the socket (the socket stays open). */
export const SignalingErrorCode = {
  /** Not JSON, unknown `type`, or a field out of its schema. */
  invalidMessage: 'INVALID_MESSAGE',
  /** The relay target is not connected to this session (or is the sender). */
  participantNotFound: 'PEER_NOT_FOUND',
  /** A server-side failure while handling the message. */
  internal: 'INTERNAL_ERROR',
} as const;

/** Close code for each error kind raised while admitting or serving a connection. */
const CLOSE_CODE_BY_KIND: Record<ErrorKind, number> = {
  validation: CloseCode.sessionNotFound,
  unauthenticated: CloseCode.badToken,
  forbidden: CloseCode.notAParticipant,
  limit_reached: CloseCode.notAParticipant,
  not_found: CloseCode.sessionNotFound,
  conflict: CloseCode.notAParticipant,
  unprocessable: CloseCode.sessionNotFound,
  rate_limited: CloseCode.rateLimited,
  unavailable: CloseCode.tryAgainLater,
};

/** Codes that need a more precise close code than their kind gives. */
const CLOSE_CODE_BY_ERROR_CODE: Record<string, number> = {
  SESSION_ENDED: CloseCode.sessionEnded,
  // The session exists and the user is a member, but not yet: same family as "not allowed in".
  JOIN_WINDOW_NOT_OPEN: CloseCode.notAParticipant,
};

/** A refusal to admit a connection: the close code and a short reason (≤ 123 bytes on the wire). */
export interface Refusal {
  closeCode: number;
  code: string;
  reason: string;
}

/**
 * Maps an error raised while admitting a connection (token check, membership) to its close code.
 * Errors that are not `AppError` become 1011 with a generic reason (details stay in the log).
 */
export function refusalFor(err: unknown): Refusal {
  // The database is down: the client retries with backoff (1013), nothing is wrong with it.
  if (isDatabaseUnavailable(err)) return { closeCode: CloseCode.tryAgainLater, code: 'TRY_AGAIN_LATER', reason: 'TRY_AGAIN_LATER' };
  if (err instanceof AppError) {
    const closeCode = CLOSE_CODE_BY_ERROR_CODE[err.code] ?? CLOSE_CODE_BY_KIND[err.kind];
    return { closeCode, code: err.code, reason: closeReason(err.code) };
  }
  return { closeCode: CloseCode.internalError, code: 'INTERNAL_ERROR', reason: 'INTERNAL_ERROR' };
}

/**
 * A close reason must fit in 123 bytes; the stable code is what clients act on, so the reason is
 * the code itself (messages may carry user input or grow).
 */
export function closeReason(code: string): string {
  return Buffer.byteLength(code) <= 123 ? code : code.slice(0, 60);
}
