import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { currentUser } from '../../http/auth.ts';
import { errorResponses } from '../../http/schemas.ts';
import type { Clock } from '../../shared/clock.ts';
import type { LiveCoursesService } from './live-courses.service.ts';
import {
  CancelLiveSessionBody,
  Course,
  CourseIdParams,
  CourseList,
  CreateLiveSessionBody,
  CreatedLiveSessions,
  EndedLiveSession,
  Enrolment,
  EnrolmentParams,
  JitsiClientConfig,
  JitsiTokenResult,
  JoinLiveSessionResult,
  LiveSession,
  LiveSessionIdParams,
  LiveSessionList,
  LiveSessionStats,
  MyLiveSessionsQuery,
  PresenceResult,
  PutCourseBody,
  StartedLiveSession,
  UpdateLiveSessionBody,
} from './live-courses.schemas.ts';

/** Courses, enrolments and live sessions (seed 004, DESIGN 4.9). Rules live in LiveCoursesService. */
export async function liveCoursesRoutes(app: FastifyInstance, deps: { live: LiveCoursesService; clock: Clock }): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { live, clock } = deps;
  const tags = ['live-courses'];

  r.put(
    '/api/courses/:courseId',
    { schema: { tags, summary: 'Create or replace a course (admin; the course service\'s data)', params: CourseIdParams, body: PutCourseBody, response: { 200: Course, 201: Course, ...errorResponses } } },
    async (request, reply) => {
      const { course, created } = await live.putCourse(currentUser(request), request.params.courseId, request.body, clock.now());
      return reply.status(created ? 201 : 200).send(course);
    },
  );
  r.get('/api/courses/mine', { schema: { tags, summary: 'The courses I teach, moderate or am enrolled in', response: { 200: CourseList, ...errorResponses } } }, async (request) => ({
    items: await live.myCourses(currentUser(request)),
  }));
  r.get('/api/courses/:courseId', { schema: { tags, summary: 'A course I have a part in (admins: any)', params: CourseIdParams, response: { 200: Course, ...errorResponses } } }, async (request) =>
    live.getCourse(currentUser(request), request.params.courseId),
  );
  r.put(
    '/api/courses/:courseId/enrolments/:userId',
    { schema: { tags, summary: 'Enrol a student (admin)', params: EnrolmentParams, response: { 200: Enrolment, ...errorResponses } } },
    async (request) => live.enrol(currentUser(request), request.params.courseId, request.params.userId, clock.now()),
  );
  r.delete(
    '/api/courses/:courseId/enrolments/:userId',
    { schema: { tags, summary: 'End an enrolment (admin)', params: EnrolmentParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      await live.unenrol(currentUser(request), request.params.courseId, request.params.userId);
      return reply.status(204).send(null);
    },
  );

  r.post(
    '/api/courses/:courseId/live-sessions',
    {
      schema: {
        tags,
        summary: 'Schedule a live session, or a weekly series (instructor of the course)',
        params: CourseIdParams,
        body: CreateLiveSessionBody,
        response: { 201: CreatedLiveSessions, ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send({ items: await live.createSessions(currentUser(request), request.params.courseId, request.body, clock.now()) }),
  );
  r.get(
    '/api/courses/:courseId/live-sessions',
    { schema: { tags, summary: 'A course\'s live sessions, by start', params: CourseIdParams, response: { 200: LiveSessionList, ...errorResponses } } },
    async (request) => ({ items: await live.listCourseSessions(currentUser(request), request.params.courseId) }),
  );
  r.get(
    '/api/live-sessions',
    { schema: { tags, summary: 'My live sessions: upcoming, live or past', querystring: MyLiveSessionsQuery, response: { 200: LiveSessionList, ...errorResponses } } },
    async (request) => ({ items: await live.listMySessions(currentUser(request), request.query.status, clock.now()) }),
  );

  const session = { tags, params: LiveSessionIdParams };
  r.get('/api/live-sessions/:id', { schema: { ...session, summary: 'A live session', response: { 200: LiveSession, ...errorResponses } } }, async (request) =>
    live.getSession(currentUser(request), request.params.id),
  );
  r.patch(
    '/api/live-sessions/:id',
    { schema: { ...session, summary: 'Edit a live session (instructor)', body: UpdateLiveSessionBody, response: { 200: LiveSession, ...errorResponses } } },
    async (request) => live.updateSession(currentUser(request), request.params.id, request.body, clock.now()),
  );
  r.post(
    '/api/live-sessions/:id/cancel',
    { schema: { ...session, summary: 'Cancel a scheduled session with a reason (instructor)', body: CancelLiveSessionBody, response: { 200: LiveSession, ...errorResponses } } },
    async (request) => live.cancel(currentUser(request), request.params.id, request.body.reason, clock.now()),
  );
  r.post('/api/live-sessions/:id/start', { schema: { ...session, summary: 'Start the session: live (instructor)', response: { 200: StartedLiveSession, ...errorResponses } } }, async (request) => {
    const s = await live.start(currentUser(request), request.params.id, clock.now());
    return { status: 'live' as const, actualStartAt: s.actualStartAt!, session: s };
  });
  r.post('/api/live-sessions/:id/end', { schema: { ...session, summary: 'End the session (instructor)', response: { 200: EndedLiveSession, ...errorResponses } } }, async (request) => {
    const s = await live.end(currentUser(request), request.params.id, clock.now());
    return { status: 'ended' as const, actualEndAt: s.actualEndAt!, recordingUrl: s.recordingUrl, session: s };
  });
  r.post(
    '/api/live-sessions/:id/join',
    { schema: { ...session, summary: 'Join a live session: enrolment, status and capacity checked; I become present', response: { 200: JoinLiveSessionResult, ...errorResponses } } },
    async (request) => live.join(currentUser(request), request.params.id, clock.now()),
  );
  r.post('/api/live-sessions/:id/leave', { schema: { ...session, summary: 'I left the room', response: { 200: PresenceResult, ...errorResponses } } }, async (request) =>
    live.leave(currentUser(request), request.params.id, clock.now()),
  );
  r.post(
    '/api/live-sessions/:id/heartbeat',
    { schema: { ...session, summary: 'I am still in the room (every 15 s; 409 NOT_PRESENT: join again)', response: { 200: PresenceResult, ...errorResponses } } },
    async (request) => live.heartbeat(currentUser(request), request.params.id, clock.now()),
  );
  r.post(
    '/api/live-sessions/:id/jitsi-token',
    { schema: { ...session, summary: 'A Jitsi JWT for the room (after join, while live)', response: { 200: JitsiTokenResult, ...errorResponses } } },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return live.jitsiToken(currentUser(request), request.params.id, clock.now());
    },
  );
  r.get('/api/live-sessions/:id/stats', { schema: { ...session, summary: 'Statistics (instructors, moderators, admins)', response: { 200: LiveSessionStats, ...errorResponses } } }, async (request) =>
    live.stats(currentUser(request), request.params.id, clock.now()),
  );
  r.get('/api/jitsi/config', { schema: { tags, summary: 'Where the join page loads the Jitsi IFrame API from', response: { 200: JitsiClientConfig, ...errorResponses } } }, async () =>
    live.jitsiClientConfig(),
  );
}
