import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { openTestDatabase } from '../helpers/database.ts';
import { createTestApp, type TestApp } from '../helpers/harness.ts';
import { SseClient } from './sse-client.ts';
import { createCourse, createSession, get, join, post, startSession, type CourseCast } from './support.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The Q&A chat (seed 004 §5 "Chat"): text, question and answer messages stored per session,
 * delivered live over server-sent events to every connected participant (real HTTP clients),
 * resumed with Last-Event-ID, refused to non-participants, only while live, within the length
 * and rate limits; instructors mark questions answered and delete messages.
 */
describe('live-session chat', () => {
  let t: TestApp;
  let baseUrl: string;
  let streams: SseClient[] = [];
  before(async () => {
    t = await createTestApp({ env: { LIVE_CHAT_MESSAGES_PER_MINUTE: '5' } });
    baseUrl = await t.listen();
  });
  afterEach(async () => {
    await Promise.all(streams.map((s) => s.close()));
    streams = [];
  });
  after(() => t.close());

  const open = async (u: { token: string } | null, id: string, lastEventId?: number) => {
    const s = await SseClient.open(baseUrl, u?.token ?? null, id, lastEventId);
    streams.push(s);
    return s;
  };
  const say = async (u: CourseCast['student'], id: string, body: Json) => {
    const res = await post(t, u, `/api/live-sessions/${id}/chat`, body);
    assert.equal(res.statusCode, 201, res.body);
    return res.json();
  };
  async function liveSession(): Promise<{ cast: CourseCast; s: Json }> {
    const cast = await createCourse(t);
    const s = await createSession(t, cast);
    await startSession(t, cast, s.id);
    for (const u of [cast.instructor, cast.student, cast.moderator]) await join(t, u, s.id);
    return { cast, s };
  }

  test('a question reaches two live listeners; the instructor\'s answer links to it and marks it answered', async () => {
    const { cast, s } = await liveSession();
    const teacher = await open(cast.instructor, s.id);
    const peer = await open(cast.moderator, s.id);
    assert.equal(teacher.status, 200);
    await teacher.until('the status event', () => teacher.events.find((e) => e.event === 'status'));
    assert.equal(teacher.events[0]!.data.status, 'live');

    const q = await say(cast.student, s.id, { type: 'question', text: 'What is a quorum?' });
    assert.equal(q.type, 'question');
    assert.equal(q.answered, false);
    assert.equal(q.displayName, cast.student.name);
    for (const listener of [teacher, peer]) {
      const got = await listener.message('What is a quorum?');
      assert.deepEqual(got, q);
      assert.equal(listener.events.find((e) => e.data.id === q.id)!.id, String(q.seq));
    }
    const a = await say(cast.instructor, s.id, { type: 'answer', text: 'The minimum number of members present.', replyTo: q.id });
    assert.equal(a.replyTo, q.id);
    const marked = await peer.until('the question marked answered', () => peer.messages().find((m) => m.id === q.id && m.answered));
    assert.ok(marked.seq > a.seq);
    const history = (await get(t, cast.student, `/api/live-sessions/${s.id}/chat`)).json().items as Json[];
    assert.deepEqual(history.map((m) => [m.type, m.id, m.answered]), [['answer', a.id, false], ['question', q.id, true]]);

    // Answers must refer to a question of the same session.
    const other = await liveSession();
    const foreign = await say(other.cast.student, other.s.id, { type: 'question', text: 'Elsewhere?' });
    for (const body of [
      { type: 'answer', text: 'x' },
      { type: 'answer', text: 'x', replyTo: foreign.id },
      { type: 'answer', text: 'x', replyTo: a.id },
      { type: 'text', text: 'x', replyTo: q.id },
    ]) {
      const res = await post(t, cast.student, `/api/live-sessions/${s.id}/chat`, body);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.equal(res.json().error.code, 'INVALID_REPLY');
    }
    // A student's answer does not mark the question answered.
    const q2 = await say(cast.moderator, s.id, { type: 'question', text: 'Is 50% enough?' });
    await say(cast.student, s.id, { type: 'answer', text: 'I think so', replyTo: q2.id });
    const stats = (await get(t, cast.instructor, `/api/live-sessions/${s.id}/stats`)).json();
    assert.equal(stats.questionCount, 2);
    assert.equal(stats.answeredCount, 1);
  });

  test('refused to non-participants and outside the live window; text 1..2000 characters', async () => {
    const { cast, s } = await liveSession();
    const L = `/api/live-sessions/${s.id}/chat`;
    const neverJoined = await t.user('Enrolled, never joined');
    await t.app.inject({ method: 'PUT', url: `/api/courses/${cast.courseId}/enrolments/${neverJoined.id}`, headers: cast.admin.headers });
    const refused = await post(t, neverJoined, L, { text: 'hello' });
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().error.code, 'NOT_A_PARTICIPANT');
    assert.equal((await get(t, neverJoined, L)).statusCode, 403);
    assert.equal((await open(neverJoined, s.id)).status, 403);
    assert.equal((await open(cast.other, s.id)).status, 404);
    assert.equal((await open(null, s.id)).status, 401);
    assert.equal((await post(t, cast.other, L, { text: 'hello' })).statusCode, 404);
    assert.equal((await post(t, cast.admin, L, { text: 'hello' })).statusCode, 403);
    for (const text of ['', '   ', 'x'.repeat(2001)]) assert.equal((await post(t, cast.student, L, { text })).statusCode, 400, `${text.length} characters`);
    assert.equal((await say(cast.student, s.id, { text: 'x'.repeat(2000) })).text.length, 2000);
    assert.equal((await post(t, cast.student, L, { text: 'x', type: 'shout' })).statusCode, 400);
    await post(t, cast.instructor, `/api/live-sessions/${s.id}/end`);
    const late = await post(t, cast.student, L, { text: 'Thanks!' });
    assert.equal(late.statusCode, 409);
    assert.equal(late.json().error.code, 'SESSION_NOT_LIVE');
    // Readable afterwards by participants.
    assert.equal((await get(t, cast.student, L)).json().items.length, 1);
  });

  test('rate limit: LIVE_CHAT_MESSAGES_PER_MINUTE per participant, then 429 with Retry-After', async () => {
    const { cast, s } = await liveSession();
    for (let i = 0; i < 5; i++) {
      await say(cast.student, s.id, { text: `message ${i}` });
      t.clock.advance(1000);
    }
    const limited = await post(t, cast.student, `/api/live-sessions/${s.id}/chat`, { text: 'one too many' });
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.headers['retry-after'], '55');
    await say(cast.moderator, s.id, { text: 'others may still post' });
    t.clock.advance(55_000);
    await say(cast.student, s.id, { text: 'again' });
  });

  test('Last-Event-ID resumes after the last event the page had; deletions reach listeners; keep-alives flow', async () => {
    const { cast, s } = await liveSession();
    const first = await say(cast.student, s.id, { text: 'first' });
    const second = await say(cast.student, s.id, { type: 'question', text: 'second?' });
    const resumed = await open(cast.student, s.id, first.seq);
    await resumed.message('second?');
    assert.deepEqual(resumed.messages().map((m) => m.text), ['second?']);
    const third = await say(cast.moderator, s.id, { text: 'third' });
    await resumed.message('third');
    const full = await open(cast.moderator, s.id);
    await full.message('third');
    assert.deepEqual(full.messages().map((m) => m.text), ['first', 'second?', 'third']);

    const del = await t.app.inject({ method: 'DELETE', url: `/api/live-sessions/${s.id}/chat/${second.id}`, headers: cast.instructor.headers });
    assert.equal(del.statusCode, 200);
    assert.equal(del.json().deleted, true);
    const gone = await resumed.until('the deletion', () => resumed.messages().find((m) => m.id === second.id && m.deleted));
    assert.equal(gone.text, '');
    assert.equal((await t.app.inject({ method: 'DELETE', url: `/api/live-sessions/${s.id}/chat/${third.id}`, headers: cast.student.headers })).statusCode, 403);
    assert.equal((await post(t, cast.instructor, `/api/live-sessions/${s.id}/chat/${first.id}/answered`, { answered: true })).json().error.code, 'NOT_A_QUESTION');

    t.timers.tick();
    await resumed.until('a keep-alive comment', () => resumed.comments.includes('keep-alive'));
    // The end of the session reaches the streams as a status event.
    await post(t, cast.instructor, `/api/live-sessions/${s.id}/end`);
    await resumed.until('the ended status', () => resumed.events.find((e) => e.event === 'status' && e.data.status === 'ended'));
  });
});

/**
 * Several instances (REDIS_URL): listeners on each instance receive what is posted on the other,
 * through the real Redis on 127.0.0.1 under a random key prefix.
 */
describe('chat across two instances (Redis)', () => {
  const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `cs-test-${crypto.randomBytes(6).toString('hex')}:`;
  const env = { REDIS_URL, REDIS_KEY_PREFIX: prefix, JWT_SECRET: crypto.randomBytes(32).toString('hex') };
  const clock = new ManualClock(Math.floor(Date.now() / 60_000) * 60_000);
  let database: DatabaseHandle;
  let a: TestApp;
  let b: TestApp;
  let urlA: string;
  let urlB: string;
  const streams: SseClient[] = [];

  before(async () => {
    database = await openTestDatabase();
    a = await createTestApp({ clock, env, database });
    b = await createTestApp({ clock, env, database });
    urlA = await a.listen();
    urlB = await b.listen();
  });
  after(async () => {
    await Promise.all(streams.map((s) => s.close()));
    await a?.close();
    await b?.close();
    await database?.close();
    const redis = new Redis(REDIS_URL);
    const channels = (await redis.pubsub('CHANNELS', `${prefix}*`)) as string[];
    redis.disconnect();
    assert.deepEqual(channels, [], 'every live channel was unsubscribed');
  });

  test('a message posted on one instance reaches listeners on both; status changes too', async () => {
    const cast = await createCourse(a, { tag: 'redis' });
    const s = await createSession(a, cast);
    await startSession(a, cast, s.id);
    for (const u of [cast.instructor, cast.student, cast.moderator]) await join(a, u, s.id);
    const onA = await SseClient.open(urlA, cast.instructor.token, s.id);
    const onB = await SseClient.open(urlB, cast.moderator.token, s.id);
    streams.push(onA, onB);
    assert.equal(onB.status, 200);
    const q = (await post(b, cast.student, `/api/live-sessions/${s.id}/chat`, { type: 'question', text: 'Across instances?' })).json();
    assert.deepEqual(await onA.message('Across instances?'), q);
    assert.deepEqual(await onB.message('Across instances?'), q);
    await post(a, cast.instructor, `/api/live-sessions/${s.id}/chat`, { type: 'answer', text: 'Yes, through Redis.', replyTo: q.id });
    await onB.message('Yes, through Redis.');
    await onB.until('the question answered on B', () => onB.messages().find((m) => m.id === q.id && m.answered));
    await post(a, cast.instructor, `/api/live-sessions/${s.id}/end`);
    await onB.until('ended on B', () => onB.events.find((e) => e.event === 'status' && e.data.status === 'ended'));
  });
});
