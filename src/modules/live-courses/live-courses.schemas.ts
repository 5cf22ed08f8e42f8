/**
 * HTTP schemas of the live-courses routes: the wire shapes are defined once in
 * `src/protocol/live-courses.ts` (shared with the web client), re-exported here, plus the
 * webhook bodies of the Jitsi side, which only the server reads.
 */
import { Type } from 'typebox';

export * from '../../protocol/live-courses.ts';

/** `POST /api/live-sessions/{id}/chat/{messageId}/answered` body. */
export const AnsweredBody = Type.Object({ answered: Type.Boolean() }, { additionalProperties: false });

/** `Last-Event-ID` of a reconnecting chat stream (the last `seq` the page has). */
export const StreamHeaders = Type.Object({ 'last-event-id': Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })) });

/** A JaaS webhook delivery (fields read; the rest is accepted and ignored). */
export const JaasDeliveryBody = Type.Object({
  idempotencyKey: Type.String({ minLength: 1, maxLength: 200 }),
  eventType: Type.String({ minLength: 1, maxLength: 100 }),
  timestamp: Type.Integer({ minimum: 0 }),
  fqn: Type.String({ minLength: 1, maxLength: 500 }),
  data: Type.Optional(
    Type.Object({
      id: Type.Optional(Type.String({ maxLength: 128 })),
      name: Type.Optional(Type.String({ maxLength: 200 })),
      preAuthenticatedLink: Type.Optional(Type.String({ maxLength: 4000 })),
    }),
  ),
});

/** A prosody event_sync occupant delivery. */
export const EventSyncOccupantBody = Type.Object({
  event_name: Type.String({ maxLength: 100 }),
  room_name: Type.String({ minLength: 1, maxLength: 500 }),
  occupant: Type.Object({
    occupant_jid: Type.Optional(Type.String({ maxLength: 1000 })),
    id: Type.Optional(Type.String({ maxLength: 128 })),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    joined_at: Type.Optional(Type.Number({ minimum: 0 })),
    left_at: Type.Optional(Type.Number({ minimum: 0 })),
  }),
});

/** What a webhook did with a delivery (2xx either way: the sender must not retry what was ignored). */
export const WebhookResult = Type.Object({ outcome: Type.Union([Type.Literal('applied'), Type.Literal('duplicate'), Type.Literal('ignored')]) });
