import crypto from 'node:crypto';
import type { Clock } from '../../shared/clock.ts';
import { AppError } from '../../shared/errors.ts';
import type { SignalingSessions } from './signaling.ports.ts';
import type { TicketStore } from './signaling.state.ts';

/** Every ticket starts with this; a JWT never does (its first part is base64url JSON, `eyJ…`). */
export const TICKET_PREFIX = 'st_';

/**
 * Short-lived single-use signaling tickets (DESIGN 4.3): an authenticated client asks for one
 * (`POST /api/signaling/tickets`) and opens `/ws/signaling?token=<ticket>&sessionId=…`, so its
 * long-lived JWT never appears in a URL. A ticket is 32 random bytes, bound to one user and one
 * session, valid `ttlMs`, and consumed by its first use whatever the outcome. Only its SHA-256 is
 * stored (in the shared state, so that any instance can redeem it).
 */
export class SignalingTickets {
  constructor(
    private readonly deps: {
      state: TicketStore;
      sessions: Pick<SignalingSessions, 'authorizeSignaling'>;
      clock: Clock;
      ttlMs: number;
    },
  ) {}

  /** True when `token` has the shape of a ticket rather than of a JWT. */
  static isTicket(token: string): boolean {
    return token.startsWith(TICKET_PREFIX);
  }

  /**
   * Issues a ticket for `userId` to open signaling in `sessionId`, after the same membership checks
   * as the socket itself (so a client learns at once why it could not connect).
   * @throws AppError of `authorizeSignaling` (SESSION_NOT_FOUND, NOT_A_PARTICIPANT, SESSION_ENDED, ...).
   */
  async issue(userId: string, sessionId: string): Promise<{ ticket: string; expiresAt: string }> {
    const now = this.deps.clock.now();
    await this.deps.sessions.authorizeSignaling(sessionId, userId, now);
    const ticket = `${TICKET_PREFIX}${crypto.randomBytes(32).toString('base64url')}`;
    const expiresAtMs = now.getTime() + this.deps.ttlMs;
    await this.deps.state.putTicket(digest(ticket), { userId, sessionId, expiresAtMs }, this.deps.ttlMs);
    return { ticket, expiresAt: new Date(expiresAtMs).toISOString() };
  }

  /**
   * Consumes a ticket for `sessionId`. @returns the user it was issued to.
   * @throws AppError unauthenticated/INVALID_TICKET when unknown, already used, expired, or issued
   *   for another session.
   */
  async redeem(ticket: string, sessionId: string): Promise<string> {
    const grant = await this.deps.state.takeTicket(digest(ticket));
    const nowMs = this.deps.clock.now().getTime();
    if (!grant || grant.expiresAtMs <= nowMs || grant.sessionId !== sessionId) {
      throw new AppError('unauthenticated', 'INVALID_TICKET', 'The ticket is unknown, used, expired or for another session');
    }
    return grant.userId;
  }
}

function digest(ticket: string): string {
  return crypto.createHash('sha256').update(ticket).digest('base64url');
}
