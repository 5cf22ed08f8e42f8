import { AppError } from '../../shared/errors.ts';

/**
 * Every error the sessions module raises, by stable code (seed 002, DESIGN 4.2). Codes survive
 * process boundaries (REST bodies, signaling close reasons and `error` frames); messages are for
 * people. One place, so that a code is never spelled twice.
 */
export const SessionErrors = {
  /** Unknown session, or one the caller is not a member of (no existence leak). */
  notFound: () => new AppError('not_found', 'SESSION_NOT_FOUND', 'No such session'),
  /** `GET /api/sessions/current` when nothing is active or joinable (DESIGN 4.6). */
  noCurrent: () => new AppError('not_found', 'NO_CURRENT_SESSION', 'You have no session to join right now'),
  /** Wrong or dead invite code (seed 002 AC3). */
  inviteCodeNotFound: () => new AppError('not_found', 'INVITE_CODE_NOT_FOUND', 'No live session has this invite code'),
  /** Too many wrong invite codes (issue 3); `retryAfterSeconds` feeds `Retry-After`. */
  inviteCodeRateLimited: (retryAfterSeconds: number) =>
    new AppError('rate_limited', 'RATE_LIMITED', `Too many wrong invite codes; try again in ${retryAfterSeconds} s`, { retryAfterSeconds }),
  /** Members who have not left fill every seat (seed 002 AC3). */
  full: () => new AppError('conflict', 'SESSION_FULL', 'This session is full'),
  ended: () => new AppError('conflict', 'SESSION_ENDED', 'This session has ended'),
  notEnded: () => new AppError('conflict', 'SESSION_NOT_ENDED', 'A session can be rated once it has ended'),
  alreadyRated: () => new AppError('conflict', 'ALREADY_RATED', 'You have already rated this session'),
  /** Host-only actions (seed 002 AC5, AC7). */
  notHost: (action: 'start' | 'end') => new AppError('forbidden', 'NOT_HOST', `Only the host may ${action} the session`),
  /** `start` on a slot session, or on a session that is not waiting. */
  invalidState: (message: string) => new AppError('conflict', 'INVALID_STATE', message),
  /** Seed 002 AC9: at most `limit` live sessions at once. */
  tooManyActive: (limit: number) => new AppError('limit_reached', 'TOO_MANY_ACTIVE_SESSIONS', `At most ${limit} active sessions at once`, { limit }),
  /** Seed 002 AC9: free tier, `limit` new sessions per UTC day; `resetsAt` ISO 8601 UTC. */
  dailyLimit: (limit: number, resetsAt: string) =>
    new AppError('limit_reached', 'DAILY_SESSION_LIMIT', `The free tier allows ${limit} sessions per day (UTC); premium is unlimited`, { limit, resetsAt }),
  /** Signaling admission (seed 003 AC1). */
  notAParticipant: () => new AppError('forbidden', 'NOT_A_PARTICIPANT', 'You are not a participant of this session'),
  leftSession: (privateSession: boolean) =>
    new AppError('forbidden', 'LEFT_SESSION', privateSession ? 'You left this session; join again with its code' : 'You left this session'),
  /** The waiting room opens `RULES_JOIN_WINDOW` before a slot session (seed 000 §3.2); `opensAt` ISO 8601 UTC. */
  joinWindowNotOpen: (opensAt: string) => new AppError('conflict', 'JOIN_WINDOW_NOT_OPEN', `The waiting room opens at ${opensAt}`, { opensAt }),
} as const;
