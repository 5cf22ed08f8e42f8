import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Compile } from 'typebox/compile';
import { currentUser } from '../../http/auth.ts';
import { errorResponses } from '../../http/schemas.ts';
import type { AuthService } from '../auth/auth.service.ts';
import type { Clock } from '../../shared/clock.ts';
import { AppError } from '../../shared/errors.ts';
import type { SignalingMetrics } from '../../shared/metrics.ts';
import { CloseCode, closeReason, refusalFor, type Refusal } from './signaling.errors.ts';
import type { SignalingAdmission, SignalingSessions } from './signaling.ports.ts';
import { SignalingQuery, TicketRequest, TicketResponse } from './signaling.schemas.ts';
import type { SignalingService } from './signaling.service.ts';
import { SignalingTickets } from './signaling.tickets.ts';

/** The outcome of the checks made before the upgrade, kept until the socket exists. */
type Admission = { ok: true; value: SignalingAdmission } | { ok: false; refusal: Refusal };

/** Admission per upgrade request (a WeakMap: no request decoration, nothing left behind). */
const admissions = new WeakMap<FastifyRequest, Admission>();

const isToken = Compile(SignalingQuery.properties.token);
const isSessionId = Compile(SignalingQuery.properties.sessionId);

/**
 * `POST /api/signaling/tickets` (authenticated scope): a single-use ticket for `/ws/signaling`,
 * valid `SIGNALING_TICKET_TTL`, so that the web client keeps its JWT out of URLs. Limited to
 * `perMinute` per user on top of the scope's general limit (a client needs one per connection
 * attempt).
 */
export async function signalingTicketRoutes(app: FastifyInstance, deps: { tickets: SignalingTickets; perMinute: number }): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.post(
    '/api/signaling/tickets',
    {
      config: { rateLimit: { max: deps.perMinute, timeWindow: 60_000 } },
      schema: {
        tags: ['signaling'],
        summary: 'A short-lived single-use ticket to open the signaling WebSocket (pass it as `token`)',
        body: TicketRequest,
        response: { 201: TicketResponse, ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(await deps.tickets.issue(currentUser(request).id, request.body.sessionId)),
  );
}

/**
 * `GET /ws/signaling?token={jwt or ticket}&sessionId={id}` (DESIGN 4.3). Requires `@fastify/websocket`
 * registered with `{ maxPayload: 65536 }` (bigger frames are closed 1009 by `ws`).
 *
 * The token and the membership are checked in `preValidation`, before the upgrade. A browser
 * cannot read the status of a refused upgrade, so a refusal still completes the upgrade and the
 * socket is closed at once, before any frame, with the documented code: 4401 bad token, 4403 not a
 * participant or waiting room not open yet, 4404 no such session, 4410 session ended. The query
 * string holds the token: it is never logged here.
 *
 * Browsers send `Origin` with the upgrade and do not apply CORS to WebSockets, so the origin is
 * checked here (DESIGN 4.6): the service's own origin and `allowedOrigins` pass, as do clients
 * that send no `Origin` (servers, mobile apps); any other origin gets HTTP 403 and no upgrade.
 */
export async function signalingRoutes(
  app: FastifyInstance,
  deps: {
    auth: AuthService;
    sessions: SignalingSessions;
    signaling: SignalingService;
    /** Redeems `token=st_…` tickets; without it only JWTs are accepted. */
    tickets?: SignalingTickets;
    clock: Clock;
    /** `ALLOWED_ORIGINS`: bare origins such as `https://app.example.com`. */
    allowedOrigins?: readonly string[];
    /** Counts the refusals decided here (issue 14); accepted sockets are counted once joined. */
    metrics?: SignalingMetrics;
  },
): Promise<void> {
  const allowedOrigins = deps.allowedOrigins ?? [];
  app.get<{ Querystring: SignalingQuery }>(
    '/ws/signaling',
    {
      websocket: true,
      // ws writes the 101 answer itself: helmet's headers would be computed for nothing on every
      // admission (issue 14). The route's only HTTP answers are JSON refusals (403 origin, 404 for
      // a plain GET), which no page renders, so they go without them.
      config: { securityHeaders: false },
      // Documents the query; failures are turned into close codes by `admit`, not into HTTP 400s.
      schema: { querystring: SignalingQuery },
      attachValidation: true,
      preValidation: async (request) => {
        if (!request.ws) return; // a plain HTTP GET: @fastify/websocket answers 404
        if (!originAllowed(request.headers.origin, request.headers.host, allowedOrigins)) {
          // Refused before the upgrade: a page of a foreign site must not even get a socket.
          throw new AppError('forbidden', 'ORIGIN_NOT_ALLOWED', 'This origin may not open the signaling socket');
        }
        const admission = await admit(deps, request.query, request.log);
        if (!admission.ok) {
          request.log.info({ code: admission.refusal.code, closeCode: admission.refusal.closeCode }, 'signaling: connection refused');
        }
        admissions.set(request, admission);
      },
    },
    (socket, request) => {
      const admission = admissions.get(request);
      admissions.delete(request);
      if (!admission) {
        deps.metrics?.admission(CloseCode.internalError);
        socket.close(CloseCode.internalError, closeReason('INTERNAL_ERROR'));
        return;
      }
      if (!admission.ok) {
        deps.metrics?.admission(admission.refusal.closeCode);
        socket.close(admission.refusal.closeCode, admission.refusal.reason);
        return;
      }
      void deps.signaling.connect(socket, admission.value, request.raw.socket);
    },
  );
}

/**
 * Verifies the token (a JWT, or a ticket consumed here), then asks the sessions service whether
 * its user may signal in the session now. Never throws: every failure is a refusal with its close
 * code (a used, expired or foreign ticket: 4401 `INVALID_TICKET`).
 */
async function admit(
  deps: { auth: AuthService; sessions: SignalingSessions; tickets?: SignalingTickets; clock: Clock },
  query: unknown,
  log: FastifyBaseLogger,
): Promise<Admission> {
  const { token, sessionId } = (query ?? {}) as Record<string, unknown>;
  if (!isToken.Check(token)) return { ok: false, refusal: { closeCode: CloseCode.badToken, code: 'INVALID_TOKEN', reason: 'INVALID_TOKEN' } };
  if (!isSessionId.Check(sessionId)) return { ok: false, refusal: { closeCode: CloseCode.sessionNotFound, code: 'SESSION_NOT_FOUND', reason: 'SESSION_NOT_FOUND' } };
  try {
    const userId = deps.tickets && SignalingTickets.isTicket(token) ? await deps.tickets.redeem(token, sessionId) : (await deps.auth.verify(token)).id;
    const value = await deps.sessions.authorizeSignaling(sessionId, userId, deps.clock.now());
    return { ok: true, value };
  } catch (err) {
    if (!(err instanceof AppError)) log.error({ err }, 'signaling: admission failed');
    return { ok: false, refusal: refusalFor(err) };
  }
}

/** The origin rule of DESIGN 4.6: no `Origin`, the service's own host, or a listed origin. */
function originAllowed(origin: string | undefined, host: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true;
  if (allowed.includes(origin)) return true;
  try {
    return host !== undefined && new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}
