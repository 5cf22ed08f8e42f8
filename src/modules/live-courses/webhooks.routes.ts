import type { FastifyInstance, FastifyRequest } from 'fastify';
import fastifyRateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { errorResponses } from '../../http/schemas.ts';
import type { Clock } from '../../shared/clock.ts';
import { LiveErrors } from './live-courses.errors.ts';
import type { LiveCoursesService } from './live-courses.service.ts';
import { EventSyncOccupantBody, JaasDeliveryBody, WebhookResult } from './live-courses.schemas.ts';
import { attendanceOfEventSync, attendanceOfJaas, bearerMatches, roomOfFqn, verifyJaasSignature, type EventSyncOccupant, type JaasDelivery } from './webhooks.ts';

/** Largest webhook body accepted. */
const WEBHOOK_BODY_LIMIT = 64 * 1024;
/** Deliveries per minute per sender address: a class of 50 joining at once is about 100. */
const WEBHOOK_PER_MINUTE = 1200;

/**
 * Webhooks from the Jitsi side (seed 004 §5-§6), outside the user-token scopes: they authenticate
 * with a signature (JaaS `X-Jaas-Signature` over the raw body) or a shared bearer secret
 * (prosody event_sync), so the raw body is kept for the signature. Both secrets unset: 404.
 * Every accepted delivery answers 2xx, even one that changes nothing, so the sender stops retrying.
 */
export async function webhookRoutes(app: FastifyInstance, deps: { live: LiveCoursesService; clock: Clock; attendanceSecret: string | null; recordingSecret: string | null }): Promise<void> {
  await app.register(async (scope) => {
    const raw = new WeakMap<FastifyRequest, string>();
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: WEBHOOK_BODY_LIMIT }, (request, body, done) => {
      raw.set(request, body as string);
      try {
        done(null, JSON.parse(body as string));
      } catch {
        done(LiveErrors.badWebhook('The body is not JSON'), undefined);
      }
    });
    await scope.register(fastifyRateLimit, { max: WEBHOOK_PER_MINUTE, timeWindow: 60_000 });
    const r = scope.withTypeProvider<TypeBoxTypeProvider>();
    const { live, clock } = deps;
    const schema = (summary: string, body: typeof JaasDeliveryBody | typeof EventSyncOccupantBody) => ({
      tags: ['webhooks'],
      summary,
      body,
      security: [],
      response: { 200: WebhookResult, ...errorResponses },
    });
    const jaasSigned = (request: FastifyRequest, secret: string | null) => {
      if (!secret) throw LiveErrors.webhookOff();
      const signature = request.headers['x-jaas-signature'];
      if (!verifyJaasSignature(typeof signature === 'string' ? signature : undefined, raw.get(request) ?? '', secret, clock.nowMs())) throw LiveErrors.badSignature();
    };
    const bearer = (request: FastifyRequest) => {
      if (!deps.attendanceSecret) throw LiveErrors.webhookOff();
      if (!bearerMatches(request.headers.authorization, deps.attendanceSecret)) throw LiveErrors.badSignature();
    };

    r.post('/api/webhooks/jitsi/attendance', { schema: schema('JaaS PARTICIPANT_JOINED / PARTICIPANT_LEFT (X-Jaas-Signature)', JaasDeliveryBody) }, async (request) => {
      jaasSigned(request, deps.attendanceSecret);
      const report = attendanceOfJaas(request.body as JaasDelivery);
      return { outcome: report ? await live.applyAttendanceReport(report, clock.now()) : ('ignored' as const) };
    });
    r.post('/api/webhooks/jitsi/recording', { schema: schema('JaaS RECORDING_UPLOADED, or a Jibri finalize script (X-Jaas-Signature)', JaasDeliveryBody) }, async (request) => {
      jaasSigned(request, deps.recordingSecret);
      const d = request.body as JaasDelivery;
      const url = d.data?.preAuthenticatedLink;
      if (d.eventType !== 'RECORDING_UPLOADED' || !url) return { outcome: 'ignored' as const };
      if (!/^https?:\/\//.test(url)) throw LiveErrors.badWebhook('preAuthenticatedLink must be an http(s) URL');
      return { outcome: await live.applyRecording({ key: `jaas:${d.idempotencyKey}`, room: roomOfFqn(d.fqn), url }, clock.now()) };
    });
    for (const event of ['joined', 'left'] as const) {
      r.post(`/api/webhooks/jitsi/events/occupant/${event}`, { schema: schema(`prosody event_sync muc-occupant-${event} (Bearer secret)`, EventSyncOccupantBody) }, async (request) => {
        bearer(request);
        const report = attendanceOfEventSync(request.body as EventSyncOccupant, raw.get(request) ?? '');
        return { outcome: report ? await live.applyAttendanceReport(report, clock.now()) : ('ignored' as const) };
      });
    }
    for (const event of ['created', 'destroyed'] as const) {
      // event_sync also reports rooms; attendance needs occupants only, so these are acknowledged and dropped.
      r.post(`/api/webhooks/jitsi/events/room/${event}`, { schema: { tags: ['webhooks'], summary: `prosody event_sync muc-room-${event} (ignored)`, security: [], response: { 200: WebhookResult, ...errorResponses } } }, async (request) => {
        bearer(request);
        return { outcome: 'ignored' as const };
      });
    }
  });
}
