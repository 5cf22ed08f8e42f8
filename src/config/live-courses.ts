import { Type } from 'typebox';
import { duration, int, optionalString, string, type ValueCheck } from './variables.ts';

// Live courses on Jitsi and the calendar feed (seed 004, DESIGN 4.9; issue 12).

/** `JITSI_URL` and the like: an absolute http(s) URL without query or fragment. */
const httpUrl: ValueCheck = (text) => {
  try {
    const u = new URL(text);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return 'protocol must be https: (or http: for a local server)';
    return u.search || u.hash ? 'must have no query or fragment' : null;
  } catch {
    return 'not a valid URL';
  }
};

/** A webhook secret: long enough that guessing it is out of reach. */
const webhookSecret: ValueCheck = (secret) => (Buffer.byteLength(secret) < 16 ? 'must be at least 16 bytes' : null);

/**
 * The Jitsi Meet deployment live courses run on (seed 004, DESIGN 4.9): where rooms live, how
 * their JWTs are signed (prosody `token_verification`), and the signed webhooks from the Jitsi side.
 */
export const JitsiSettingsSchema = Type.Object({
  url: string({ key: 'JITSI_URL', default: 'https://meet.jit.si', check: httpUrl, doc: 'Jitsi Meet server: rooms, join URLs and its external_api.js (seed 004: meet.jit.si by default)' }),
  appId: string({ key: 'JITSI_APP_ID', default: 'conversation-service', doc: 'iss of Jitsi tokens: prosody\'s app_id' }),
  appSecret: optionalString({
    key: 'JITSI_APP_SECRET',
    check: (secret) => (Buffer.byteLength(secret) < 32 ? 'must be at least 32 bytes for HS256' : null),
    doc: 'HS256 secret of Jitsi tokens: prosody\'s app_secret (unset: JWT_SECRET)',
  }),
  audience: string({ key: 'JITSI_AUDIENCE', default: 'jitsi', doc: 'aud of Jitsi tokens (prosody asap_accepted_audiences)' }),
  domain: optionalString({ key: 'JITSI_DOMAIN', doc: 'sub of Jitsi tokens: the XMPP domain or tenant (unset: the host of JITSI_URL)' }),
  roomPrefix: string({
    key: 'JITSI_ROOM_PREFIX',
    default: 'live',
    check: (prefix) => (/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/.test(prefix) ? null : 'must be 1..32 characters of a-z, 0-9 and -'),
    doc: 'First part of room names: {prefix}-course-{courseId}-session-{n}-{random}',
  }),
  tokenMarginMs: duration({ key: 'JITSI_TOKEN_MARGIN', default: '30m', min: '1m', max: '1d', doc: 'Jitsi tokens expire this long after the scheduled end' }),
  autoEndAfterMs: duration({ key: 'JITSI_AUTO_END_AFTER', default: '30m', min: '1m', max: '1d', doc: 'A session still live this long after its scheduled end is ended by a sweep' }),
  attendanceWebhookSecret: optionalString({
    key: 'JITSI_ATTENDANCE_WEBHOOK_SECRET',
    check: webhookSecret,
    doc: 'Secret of the attendance webhook (JaaS X-Jaas-Signature, or the Bearer token of prosody event_sync); unset: the webhook is off',
  }),
  recordingWebhookSecret: optionalString({
    key: 'JITSI_RECORDING_WEBHOOK_SECRET',
    check: webhookSecret,
    doc: 'Secret of the recording webhook (JaaS RECORDING_UPLOADED or a Jibri finalize script, X-Jaas-Signature); unset: off',
  }),
});

/** Live-course rules (seed 004): how early a session may start, reminders, chat limits. */
export const LiveCourseSettingsSchema = Type.Object({
  earlyStartMs: duration({ key: 'LIVE_EARLY_START', default: '15m', max: '1d', doc: 'An instructor may start a session this long before its scheduled start' }),
  firstReminderMs: duration({ key: 'LIVE_REMINDER_FIRST', default: '24h', min: '1m', max: '30d', doc: 'live_session.reminder this long before the start (seed 004 §2: 24 h)' }),
  lastReminderMs: duration({ key: 'LIVE_REMINDER_LAST', default: '1h', min: '1m', max: '30d', doc: 'The last live_session.reminder this long before the start (seed 004 §2: 1 h)' }),
  chatMessagesPerMinute: int({ key: 'LIVE_CHAT_MESSAGES_PER_MINUTE', default: 20, min: 1, max: 10_000, doc: 'Chat messages one participant may post per minute in one session (429 beyond)' }),
});
