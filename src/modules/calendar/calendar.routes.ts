import crypto from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { currentUser } from '../../http/auth.ts';
import { errorResponses } from '../../http/schemas.ts';
import { CalendarEventList, CalendarEventsQuery, CalendarFeed } from '../../protocol/calendar.ts';
import type { Clock } from '../../shared/clock.ts';
import type { CalendarService } from './calendar.service.ts';

/** The service's public base URL: `PUBLIC_URL`, else what the request was addressed to. */
function baseUrlOf(request: FastifyRequest, publicUrl: string | null): string {
  return publicUrl ?? `${request.protocol}://${request.host}`;
}

/** `GET /api/calendar/events`, `GET /api/calendar/feed`, `POST /api/calendar/feed/rotate` (authenticated). */
export async function calendarRoutes(app: FastifyInstance, deps: { calendar: CalendarService; clock: Clock; publicUrl: string | null }): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['calendar'];
  r.get(
    '/api/calendar/events',
    { schema: { tags, summary: 'My live sessions and booked conversation slots in a range', querystring: CalendarEventsQuery, response: { 200: CalendarEventList, ...errorResponses } } },
    async (request) => ({ items: await deps.calendar.events(currentUser(request), request.query.start, request.query.end) }),
  );
  r.get('/api/calendar/feed', { schema: { tags, summary: 'My secret iCal feed address (created on first use)', response: { 200: CalendarFeed, ...errorResponses } } }, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    return deps.calendar.feed(currentUser(request), baseUrlOf(request, deps.publicUrl), deps.clock.now());
  });
  r.post('/api/calendar/feed/rotate', { schema: { tags, summary: 'A new feed address; the old one stops working', response: { 200: CalendarFeed, ...errorResponses } } }, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    return deps.calendar.rotate(currentUser(request), baseUrlOf(request, deps.publicUrl), deps.clock.now());
  });
}

/**
 * The feed itself, `GET /calendar/{secret}.ics` (and HEAD), without an Authorization header: the
 * secret in the path is the credential (calendar apps send no headers), and the request logger
 * redacts it. `text/calendar; charset=utf-8` with an ETag, so a polling calendar gets 304.
 */
export async function calendarFeedRoutes(app: FastifyInstance, deps: { calendar: CalendarService; clock: Clock; publicUrl: string | null }): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get(
    '/calendar/:file',
    {
      schema: {
        tags: ['calendar'],
        summary: 'A secret iCal feed (RFC 5545) for Google Calendar, Outlook, Apple Calendar',
        security: [],
        params: Type.Object({ file: Type.String({ pattern: '^[A-Za-z0-9_-]{43}\\.ics$' }) }),
        produces: ['text/calendar'],
        response: { 200: Type.String(), 304: Type.Null(), 400: errorResponses[400], 404: errorResponses[404], 429: errorResponses[429] },
      },
    },
    async (request, reply) => {
      const secret = request.params.file.slice(0, -'.ics'.length);
      const body = await deps.calendar.renderFeed(secret, baseUrlOf(request, deps.publicUrl), deps.clock.now());
      const etag = `"${crypto.createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
      reply.header('etag', etag).header('cache-control', 'private, max-age=300').header('x-robots-tag', 'noindex');
      if (request.headers['if-none-match'] === etag) return reply.status(304).send(null);
      return reply.type('text/calendar; charset=utf-8').header('content-disposition', 'inline; filename="calendar.ics"').send(body);
    },
  );
}
