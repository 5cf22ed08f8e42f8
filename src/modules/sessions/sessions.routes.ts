import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { currentUser } from '../../http/auth.ts';
import { errorResponses } from '../../http/schemas.ts';
import type { Clock } from '../../shared/clock.ts';
import { IdempotencyKeyHeaders, idempotencyHooks, idempotencyResponses } from '../../http/idempotency.ts';
import type { IdempotencyService } from '../idempotency/idempotency.service.ts';
import type { SessionsService } from './sessions.service.ts';
import {
  ConsentBody,
  CreateSessionBody,
  HistoryPage,
  HistoryQuery,
  JoinSessionBody,
  ParticipantPage,
  RatingBody,
  RatingSchema,
  SessionIdParams,
  SessionSchema,
} from './sessions.schemas.ts';

/** Session routes (seed 000 §5.3, seed 002, DESIGN 4.2 and 4.6). Rules live in SessionsService. */
export async function sessionsRoutes(app: FastifyInstance, deps: { sessions: SessionsService; clock: Clock; idempotency: IdempotencyService }): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const idempotent = idempotencyHooks(deps.idempotency, app.log);
  const action = (summary: string) => ({ tags: ['sessions'], summary, params: SessionIdParams, response: { 200: SessionSchema, ...errorResponses } });

  r.post(
    '/api/sessions',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Create a private session with an invite code (creator is host; Idempotency-Key: a retry gets the first answer)',
        body: CreateSessionBody,
        headers: IdempotencyKeyHeaders,
        response: { 201: SessionSchema, ...errorResponses, ...idempotencyResponses },
      },
      preHandler: idempotent.preHandler,
      onSend: idempotent.onSend,
    },
    async (request, reply) => {
      const session = await deps.sessions.createPrivate(currentUser(request), request.body, deps.clock.now(), idempotent.answerInTransaction(request, reply, 201));
      return idempotent.send(request, reply, 201, session);
    },
  );
  r.post(
    '/api/sessions/join',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Join a private session by invite code (201 new member, 200 already a member)',
        body: JoinSessionBody,
        response: { 200: SessionSchema, 201: SessionSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { session, created } = await deps.sessions.joinByCode(currentUser(request), request.body, { address: request.ip }, deps.clock.now());
      return reply.status(created ? 201 : 200).send(session);
    },
  );
  r.get(
    '/api/sessions/current',
    {
      schema: {
        tags: ['sessions'],
        summary: 'My session that is active, or waiting with its join window open (404 NO_CURRENT_SESSION otherwise)',
        response: { 200: SessionSchema, ...errorResponses },
      },
    },
    async (request) => deps.sessions.getCurrent(currentUser(request), deps.clock.now()),
  );
  r.get(
    '/api/sessions/history',
    { schema: { tags: ['sessions'], summary: 'My ended sessions, newest first', querystring: HistoryQuery, response: { 200: HistoryPage, ...errorResponses } } },
    async (request) => deps.sessions.history(currentUser(request), request.query),
  );
  r.get('/api/sessions/:id', { schema: action('A session I am a member of') }, async (request) =>
    deps.sessions.getSession(currentUser(request), request.params.id),
  );
  r.get(
    '/api/sessions/:id/participants',
    { schema: { tags: ['sessions'], summary: 'Participants of a session I am a member of', params: SessionIdParams, response: { 200: ParticipantPage, ...errorResponses } } },
    async (request) => deps.sessions.listParticipants(currentUser(request), request.params.id),
  );
  r.post('/api/sessions/:id/start', { schema: action('Start a waiting private session (host)') }, async (request) =>
    deps.sessions.start(currentUser(request), request.params.id, deps.clock.now()),
  );
  r.post(
    '/api/sessions/:id/leave',
    { schema: action('Leave a session on purpose: the others are told at once (a dropped connection waits for the reconnect window)') },
    async (request) => deps.sessions.leave(currentUser(request), request.params.id, deps.clock.now()),
  );
  r.post('/api/sessions/:id/end', { schema: action('End the session for everyone (host)') }, async (request) =>
    deps.sessions.end(currentUser(request), request.params.id, deps.clock.now()),
  );
  r.post('/api/sessions/:id/consent', { schema: { ...action('Choose whether my audio is recorded (before joining)'), body: ConsentBody } }, async (request) =>
    deps.sessions.setRecordingConsent(currentUser(request), request.params.id, request.body.recordingConsent, deps.clock.now()),
  );
  r.post(
    '/api/sessions/:id/rating',
    { schema: { tags: ['sessions'], summary: 'Rate an ended session, once', params: SessionIdParams, body: RatingBody, response: { 201: RatingSchema, ...errorResponses } } },
    async (request, reply) => reply.status(201).send(await deps.sessions.rate(currentUser(request), request.params.id, request.body, deps.clock.now())),
  );
}
