import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { currentUser } from '../../http/auth.ts';
import { errorResponses } from '../../http/schemas.ts';
import type { Clock } from '../../shared/clock.ts';
import type { RecordingsService } from './recordings.service.ts';
import {
  CompleteRecordingBody,
  IdParams,
  PartUrl,
  PartUrlBody,
  Recording,
  RecordingPage,
  RecordingsQuery,
  SessionRecordings,
  StartRecordingBody,
  StartedRecording,
  UserIdParams,
} from './recordings.schemas.ts';

/**
 * Recording routes (DESIGN 4.7), behind the bearer-token hook. A recording is its owner's only:
 * everyone else gets 404. Rules live in `RecordingsService`.
 */
export async function recordingsRoutes(app: FastifyInstance, deps: { recordings: RecordingsService; clock: Clock }): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { recordings, clock } = deps;
  const tags = ['recordings'];

  r.post(
    '/api/sessions/:id/recordings',
    {
      schema: {
        tags,
        summary: 'Start recording my own microphone (a consenting member of an active session)',
        params: IdParams,
        body: StartRecordingBody,
        response: { 201: StartedRecording, ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(await recordings.startRecording(currentUser(request), request.params.id, request.body.contentType, clock.now())),
  );
  r.get(
    '/api/sessions/:id/recordings',
    { schema: { tags, summary: 'My recordings of a session I am a member of, with download URLs', params: IdParams, response: { 200: SessionRecordings, ...errorResponses } } },
    async (request) => recordings.sessionRecordings(currentUser(request), request.params.id),
  );
  r.get(
    '/api/recordings',
    { schema: { tags, summary: 'My recordings, newest first, with download URLs', querystring: RecordingsQuery, response: { 200: RecordingPage, ...errorResponses } } },
    async (request) => recordings.mine(currentUser(request), request.query),
  );
  r.get(
    '/api/recordings/:id',
    { schema: { tags, summary: 'One of my recordings (404 for anyone else\'s)', params: IdParams, response: { 200: Recording, ...errorResponses } } },
    async (request) => recordings.get(currentUser(request), request.params.id),
  );
  r.post(
    '/api/recordings/:id/parts',
    {
      schema: {
        tags,
        summary: 'A signed URL to upload one chunk (PUT it with the given headers)',
        params: IdParams,
        body: PartUrlBody,
        response: { 200: PartUrl, ...errorResponses },
      },
    },
    async (request) => recordings.partUrl(currentUser(request), request.params.id, request.body.partNumber, clock.now()),
  );
  r.post(
    '/api/recordings/:id/complete',
    {
      // Assembly reads every chunk; a 45-minute recording's part list is about 10 KB.
      bodyLimit: 1024 * 1024,
      schema: {
        tags,
        summary: 'Finish a recording: its chunks are checked and assembled into one file, then deleted',
        params: IdParams,
        body: CompleteRecordingBody,
        response: { 200: Recording, ...errorResponses },
      },
    },
    async (request) => recordings.complete(currentUser(request), request.params.id, request.body, clock.now()),
  );
  r.post(
    '/api/recordings/:id/abort',
    {
      schema: {
        tags,
        summary: 'Give a recording up: its chunks are deleted',
        params: IdParams,
        response: { 200: Type.Object({ id: Type.String(), status: Type.Literal('aborted') }), ...errorResponses },
      },
    },
    async (request) => recordings.abort(currentUser(request), request.params.id, clock.now()),
  );
  r.delete(
    '/api/admin/users/:userId/recordings',
    {
      schema: {
        tags,
        summary: 'Erase every recording of a user, objects included (admin; user.deleted does the same)',
        params: UserIdParams,
        response: { 200: Type.Object({ recordings: Type.Integer() }), ...errorResponses },
      },
    },
    async (request) => recordings.eraseUserNow(currentUser(request), request.params.userId, clock.now()),
  );
}
