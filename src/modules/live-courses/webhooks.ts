import crypto from 'node:crypto';

/**
 * Webhooks from the Jitsi side (seed 004 §5-§6), read into one shape:
 * - JaaS webhooks (PARTICIPANT_JOINED, PARTICIPANT_LEFT, RECORDING_UPLOADED), signed in
 *   `X-Jaas-Signature: t=<unix s>,v1=<base64 HMAC-SHA256(secret, "<t>.<raw body>")>` (JaaS
 *   "Check the webhook signatures"); deduplicated on `idempotencyKey`;
 * - prosody `mod_event_sync_component` (jitsi-contrib) `occupant/joined|left`, which signs nothing
 *   and sends the configured `api_headers`: `Authorization: Bearer <secret>`; deduplicated on a
 *   digest of the body.
 */

/** Signatures older or newer than this are refused (replay window). */
export const SIGNATURE_TOLERANCE_MS = 5 * 60_000;

/**
 * Checks a JaaS `X-Jaas-Signature` header against the raw body. Only `v1` counts (JaaS: ignore
 * other schemes against downgrades); any of several `v1` may match; compared in constant time.
 */
export function verifyJaasSignature(header: string | undefined, rawBody: string, secret: string, nowMs: number): boolean {
  if (!header) return false;
  let t: string | null = null;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') t = value;
    else if (key === 'v1') signatures.push(value);
  }
  if (!t || !/^\d{1,12}$/.test(t) || signatures.length === 0) return false;
  if (Math.abs(nowMs - Number(t) * 1000) > SIGNATURE_TOLERANCE_MS) return false;
  const expected = crypto.createHmac('sha256', secret).update(`${t}.${rawBody}`).digest();
  return signatures.some((s) => {
    const given = Buffer.from(s, 'base64');
    return given.length === expected.length && crypto.timingSafeEqual(given, expected);
  });
}

/** Builds the `X-Jaas-Signature` of a body (tests, and a Jibri finalize script's recipe). */
export function jaasSignature(rawBody: string, secret: string, nowMs: number): string {
  const t = String(Math.floor(nowMs / 1000));
  return `t=${t},v1=${crypto.createHmac('sha256', secret).update(`${t}.${rawBody}`).digest('base64')}`;
}

/** True when `Authorization` is `Bearer <secret>` (constant time). */
export function bearerMatches(authorization: string | undefined, secret: string): boolean {
  const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!m) return false;
  const a = crypto.createHash('sha256').update(m[1]).digest();
  const b = crypto.createHash('sha256').update(secret).digest();
  return crypto.timingSafeEqual(a, b);
}

/** One attendance change reported by the Jitsi side. */
export interface AttendanceReport {
  /** Idempotency key of the delivery. */
  key: string;
  /** Room name, lower case (the session's `jitsiRoomName`). */
  room: string;
  /** `context.user.id` of the token the participant joined with: our user id. */
  userId: string;
  displayName: string;
  kind: 'joined' | 'left';
  at: Date;
}

/** A JaaS delivery (fields this service reads; others are ignored). */
export interface JaasDelivery {
  idempotencyKey: string;
  eventType: string;
  timestamp: number;
  fqn: string;
  data?: { id?: string; name?: string; preAuthenticatedLink?: string; [key: string]: unknown };
}

/** `fqn` is `{AppID}/{room}`: the room, lower case. */
export function roomOfFqn(fqn: string): string {
  return fqn.slice(fqn.lastIndexOf('/') + 1).toLowerCase();
}

/** A JaaS PARTICIPANT_JOINED / PARTICIPANT_LEFT as an attendance report; null for other events or anonymous participants. */
export function attendanceOfJaas(d: JaasDelivery): AttendanceReport | null {
  const kind = d.eventType === 'PARTICIPANT_JOINED' ? 'joined' : d.eventType === 'PARTICIPANT_LEFT' ? 'left' : null;
  if (!kind || typeof d.data?.id !== 'string' || !d.data.id) return null;
  return { key: `jaas:${d.idempotencyKey}`, room: roomOfFqn(d.fqn), userId: d.data.id, displayName: String(d.data.name ?? ''), kind, at: new Date(d.timestamp) };
}

/** An event_sync occupant delivery (`POST {api_prefix}/events/occupant/joined|left`). */
export interface EventSyncOccupant {
  event_name: string;
  room_name: string;
  occupant: { occupant_jid?: string; id?: string; name?: string; joined_at?: number; left_at?: number; [key: string]: unknown };
}

/** An event_sync occupant event as an attendance report; null without a user id (no JWT) or for other events. */
export function attendanceOfEventSync(d: EventSyncOccupant, rawBody: string): AttendanceReport | null {
  const kind = d.event_name === 'muc-occupant-joined' ? 'joined' : d.event_name === 'muc-occupant-left' ? 'left' : null;
  const seconds = kind === 'left' ? d.occupant.left_at : d.occupant.joined_at;
  if (!kind || typeof d.occupant.id !== 'string' || !d.occupant.id || typeof seconds !== 'number') return null;
  const key = `esync:${crypto.createHash('sha256').update(rawBody).digest('hex')}`;
  return { key, room: d.room_name.toLowerCase(), userId: d.occupant.id, displayName: String(d.occupant.name ?? ''), kind, at: new Date(seconds * 1000) };
}
