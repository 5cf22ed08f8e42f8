import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import type { EventDefinition } from '../outbox/cloud-event.ts';

/**
 * Events this service consumes from the platform (DESIGN 4.4, 4.8; seed 000 §6.3): `user.deleted`
 * from the auth-service, as a structured CloudEvent (the value is the whole event as JSON) or in
 * binary mode (`ce_*` headers, the value is `data`).
 */

/** Largest consumed value accepted; beyond it the event is parked unread. */
export const MAX_CONSUMED_BYTES = 64 * 1024;

/** `user.deleted` data: the user to forget (GDPR article 17). Other fields are ignored. */
export const UserDeletedData = Type.Object({ userId: Type.String({ minLength: 1, maxLength: 128, description: 'The `sub` of the deleted user' }) });
export type UserDeletedData = Static<typeof UserDeletedData>;

/** The envelope attributes a consumed event must carry (CloudEvents 1.0 required attributes). */
const Envelope = Type.Object({
  specversion: Type.Literal('1.0'),
  id: Type.String({ minLength: 1, maxLength: 256 }),
  source: Type.String({ minLength: 1, maxLength: 1024 }),
  type: Type.String({ minLength: 1, maxLength: 256 }),
  data: Type.Unknown(),
});
const isEnvelope = Compile(Envelope);
const isUserDeleted = Compile(UserDeletedData);

/** The consumed types, for the AsyncAPI document. */
export const CONSUMED_EVENTS: readonly EventDefinition[] = [
  {
    type: 'user.deleted',
    summary: 'The auth-service deleted a user: erase their registrations, participations, ratings, recordings and objects (seed 000 §6.3)',
    key: 'user id',
    keyField: 'userId',
    subjectField: 'userId',
    data: UserDeletedData,
    example: { userId: 'u-ana' },
  },
];

/** A consumed event as it arrived: the value as text, and the transport's headers. */
export interface RawEvent {
  value: string;
  headers: ReadonlyMap<string, string>;
}

/** A valid consumed event, ready to apply. */
export type ConsumedEvent = { id: string; source: string; type: 'user.deleted'; data: UserDeletedData };

/**
 * Reads a raw consumed event: structured mode when the value is a CloudEvent JSON object, binary
 * mode when `ce_specversion` is among the headers. Only `user.deleted` is known.
 * @returns the event, or why it cannot be applied (it is then parked in the dead letters).
 */
export function parseConsumedEvent(raw: RawEvent): { ok: true; event: ConsumedEvent } | { ok: false; reason: string } {
  if (Buffer.byteLength(raw.value) > MAX_CONSUMED_BYTES) return { ok: false, reason: `value larger than ${MAX_CONSUMED_BYTES} bytes` };
  let envelope: unknown;
  try {
    const ceHeader = (name: string) => raw.headers.get(`ce_${name}`) ?? raw.headers.get(`ce-${name}`);
    if (ceHeader('specversion') !== undefined) {
      envelope = { specversion: ceHeader('specversion'), id: ceHeader('id'), source: ceHeader('source'), type: ceHeader('type'), data: JSON.parse(raw.value) };
    } else {
      envelope = JSON.parse(raw.value);
    }
  } catch {
    return { ok: false, reason: 'the value is not JSON' };
  }
  if (!isEnvelope.Check(envelope)) {
    const first = isEnvelope.Errors(envelope)[0];
    return { ok: false, reason: `not a CloudEvents 1.0 event: ${first ? `${first.instancePath || '/'} ${first.message}` : 'invalid'}` };
  }
  if (envelope.type !== 'user.deleted') return { ok: false, reason: `unknown event type "${envelope.type.slice(0, 100)}"` };
  if (!isUserDeleted.Check(envelope.data)) return { ok: false, reason: 'user.deleted without a valid data.userId' };
  return { ok: true, event: { id: envelope.id, source: envelope.source, type: 'user.deleted', data: { userId: envelope.data.userId } } };
}
