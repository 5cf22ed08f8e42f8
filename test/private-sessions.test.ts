import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { INVITE_CODE_ALPHABET, generateInviteCode, normaliseInviteCode } from '../src/modules/sessions/invite-code.ts';
import { nextHost } from '../src/modules/sessions/host-handover.ts';
import { DatabaseInviteAttempts } from '../src/modules/sessions/invite-attempts.repository.ts';
import { onPostgres, openTestDatabase, outboxSettled } from './helpers/database.ts';
import type { TestApp, TestUser } from './helpers/harness.ts';
import { useListeningApp } from './helpers/listening-app.ts';
import type { TestSocket } from './helpers/ws-client.ts';
import { alive, waitUntil } from './signaling/support.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('invite codes, host hand-over, attempt limits (pure rules)', () => {
  test('codes are 6 characters of an alphabet without look-alikes', () => {
    for (const c of ['0', 'O', '1', 'I', 'L']) assert.ok(!INVITE_CODE_ALPHABET.includes(c));
    const codes = new Set(Array.from({ length: 2000 }, generateInviteCode));
    assert.ok(codes.size > 1990, 'random');
    for (const code of codes) assert.match(code, /^[A-HJKMNP-Z2-9]{6}$/);
    assert.equal(normaliseInviteCode(' abc-d23 '), 'ABCD23');
    assert.equal(normaliseInviteCode('ABCDE0'), null);
    assert.equal(normaliseInviteCode('ABC'), null);
  });
  test('the longest-present remaining member becomes host; never-connected members come last', () => {
    const t = (m: number) => new Date(Date.UTC(2026, 0, 1, 10, m));
    const members = [
      { userId: 'host', joinedAt: t(0), leftAt: null, createdAt: t(0) },
      { userId: 'late', joinedAt: t(9), leftAt: null, createdAt: t(1) },
      { userId: 'early', joinedAt: t(2), leftAt: null, createdAt: t(2) },
      { userId: 'gone', joinedAt: t(1), leftAt: t(3), createdAt: t(1) },
      { userId: 'never', joinedAt: null, leftAt: null, createdAt: t(0) },
    ];
    assert.equal(nextHost(members, 'host'), 'early');
    assert.equal(nextHost(members.filter((m) => m.userId !== 'early' && m.userId !== 'late'), 'host'), 'never');
    assert.equal(nextHost([members[0]], 'host'), null);
  });
  test('failed attempts are limited in a sliding window', async () => {
    const database = await openTestDatabase();
    try {
      const attempts = new DatabaseInviteAttempts(database.db);
      const k = [{ key: 'k', max: 3, windowMs: 60_000 }];
      for (let i = 0; i < 3; i++) assert.equal((await attempts.charge(k, 1000 * i)).ok, true);
      assert.deepEqual(await attempts.charge(k, 3000), { ok: false, retryAfterSeconds: 57 });
      assert.equal((await attempts.charge([{ key: 'other', max: 3, windowMs: 60_000 }], 3000)).ok, true);
      assert.equal((await attempts.charge(k, 60_000)).ok, true, 'the first attempt left the window');
    } finally {
      await database.close();
    }
  });
});

describe('private sessions (seed 002)', () => {
  // Many wrong codes across these tests: the global budget (3 an hour by default) is tested in invite-codes.test.ts.
  // The 40 racers of one test share an address, and each attempt is counted until its code is found: the per-address budget too.
  const fixture = useListeningApp({ env: { INVITE_CODE_FAILURES_GLOBAL_PER_HOUR: '1000', INVITE_CODE_FAILURES_PER_ADDRESS: '1000' } });
  let t: TestApp;
  before(() => ({ t } = fixture));

  const post = (u: TestUser, url: string, payload?: Json) => t.app.inject({ method: 'POST', url, headers: u.headers, payload: payload ?? {} });
  const create = (u: TestUser, payload: Json = {}) => post(u, '/api/sessions', { type: 'private', targetLanguageCode: 'fr', ...payload });
  const join = (u: TestUser, inviteCode: string, extra: Json = {}) => post(u, '/api/sessions/join', { inviteCode, ...extra });
  const get = async (u: TestUser, id: string): Promise<Json> => (await t.app.inject({ method: 'GET', url: `/api/sessions/${id}`, headers: u.headers })).json();
  const events = async (type?: string): Promise<Json[]> => {
    await outboxSettled(t.database.db);
    const admin = await t.user('Events Admin', { admin: true });
    const all: Json[] = [];
    let after: string | null = null;
    for (;;) {
      const res: { statusCode: number; json: () => Json } = await t.app.inject({ method: 'GET', url: '/api/admin/events', headers: admin.headers, query: { limit: '500', ...(after ? { after } : {}) } });
      assert.equal(res.statusCode, 200);
      const page = res.json();
      all.push(...page.items);
      if (page.items.length < 500) break;
      after = page.nextCursor;
    }
    return type ? all.filter((e) => e.type === type) : all;
  };
  /** Creates a private session by `host` joined by `others`, all connected over signaling. */
  async function connectedSession(names: string[], opts: Json = {}) {
    const users = await Promise.all(names.map((n) => t.user(n)));
    const [host, ...others] = users;
    const created = await create(host, opts);
    assert.equal(created.statusCode, 201, created.body);
    const session = created.json();
    for (const u of others) assert.equal((await join(u, session.inviteCode)).statusCode, 201);
    const sockets: TestSocket[] = [];
    for (const u of users) {
      const s = await fixture.open(u, session.id);
      await s.next('participant-list');
      sockets.push(s);
      await t.services.signaling.idle(); // presence is written behind the socket
      t.clock.advance(1000); // a distinct joinedAt per member: hand-over order
    }
    return { session, users, sockets };
  }
  const keepAlive = async (sockets: TestSocket[]) => {
    for (const s of sockets) if (s.ws.readyState === s.ws.OPEN) await alive(s);
  };

  test('AC2: create a private session: creator is host, a 6-character code, max 2..6 (default 4)', async () => {
    const host = await t.user('Hana Host');
    const res = await create(host, { level: 'B2', topicTitle: 'Travel stories', recordingConsent: true });
    assert.equal(res.statusCode, 201);
    const s = res.json();
    assert.equal(s.type, 'private');
    assert.equal(s.status, 'waiting');
    assert.equal(s.hostUserId, host.id);
    assert.equal(s.maxParticipants, 4);
    assert.equal(s.topicTitle, 'Travel stories');
    assert.match(s.inviteCode, /^[A-HJKMNP-Z2-9]{6}$/);
    assert.equal(s.recordingEnabled, true);
    assert.deepEqual(
      s.participants.map((p: Json) => [p.userId, p.role, p.status, p.recordingConsent]),
      [[host.id, 'host', 'waiting', true]],
    );
    for (const bad of [{ maxParticipants: 7 }, { maxParticipants: 1 }, { type: 'public' }, { targetLanguageCode: 'French' }]) {
      assert.equal((await create(host, bad)).statusCode, 400, JSON.stringify(bad));
    }
  });

  test('AC3: join by code; unknown and ended codes are 404; a full session is 409; joining twice is 200', async () => {
    const host = await t.user('Jo Host');
    const s = (await create(host, { maxParticipants: 2 })).json();
    const ann = await t.user('Ann');
    const joined = await join(ann, s.inviteCode.toLowerCase(), { recordingConsent: false });
    assert.equal(joined.statusCode, 201);
    assert.equal(joined.json().participants.find((p: Json) => p.userId === ann.id).role, 'participant');
    assert.equal((await join(ann, s.inviteCode)).statusCode, 200);
    const full = await join(await t.user('Bob'), s.inviteCode);
    assert.equal(full.statusCode, 409);
    assert.equal(full.json().error.code, 'SESSION_FULL');
    const unknown = await join(ann, 'ZZZZZZ');
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().error.code, 'INVITE_CODE_NOT_FOUND');
    assert.equal((await post(host, `/api/sessions/${s.id}/end`)).statusCode, 200);
    const dead = await join(await t.user('Cid'), s.inviteCode);
    assert.equal(dead.statusCode, 404, 'an ended session\'s code is dead');
    assert.equal((await get(host, s.id)).inviteCode, null);
  });

  test('guessing codes is rate limited per user (429 with Retry-After)', async () => {
    const guesser = await t.user('Guesser');
    const codes: number[] = [];
    for (let i = 0; i < 11; i++) codes.push((await join(guesser, `QQQQ${INVITE_CODE_ALPHABET[i]}${INVITE_CODE_ALPHABET[i]}`)).statusCode);
    assert.deepEqual(codes.slice(0, 10), Array(10).fill(404));
    const limited = await join(guesser, 'QQQQQQ');
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.json().error.code, 'RATE_LIMITED');
    assert.ok(Number(limited.headers['retry-after']) > 0);
    // Even a right code waits; the window passes with the clock.
    const host = await t.user('Patient Host');
    const s = (await create(host)).json();
    assert.equal((await join(guesser, s.inviteCode)).statusCode, 429);
    t.clock.advance(15 * 60_000);
    assert.equal((await join(guesser, s.inviteCode)).statusCode, 201);
  });

  test('AC5: only the host starts a private session; start pushes session-started and writes session.started', async () => {
    const { session, users, sockets } = await connectedSession(['Sam', 'Tia']);
    const [sam, tia] = users;
    const notHost = await post(tia, `/api/sessions/${session.id}/start`);
    assert.equal(notHost.statusCode, 403);
    assert.equal(notHost.json().error.code, 'NOT_HOST');
    const started = await post(sam, `/api/sessions/${session.id}/start`);
    assert.equal(started.statusCode, 200);
    assert.equal(started.json().status, 'active');
    assert.equal(started.json().startedAt, t.clock.now().toISOString());
    for (const s of sockets) assert.equal((await s.next('session-started')).startedAt, t.clock.now().toISOString());
    assert.equal((await post(sam, `/api/sessions/${session.id}/start`)).json().error.code, 'INVALID_STATE');
    const ev = (await events('session.started')).find((e) => e.subject === session.id)!;
    assert.equal(ev.specversion, '1.0');
    assert.equal(ev.source, '/conversation-service');
    assert.equal(ev.datacontenttype, 'application/json');
    assert.equal(ev.data.type, 'private');
    assert.deepEqual(ev.data.participants.map((p: Json) => p.userId).sort(), [sam.id, tia.id].sort());
  });

  test('AC6: the host leaves: the longest-present member becomes host and everyone is told; participant.left is written', async () => {
    const { session, users, sockets } = await connectedSession(['Uma', 'Vic', 'Wes']);
    const [uma, vic, wes] = users;
    await post(uma, `/api/sessions/${session.id}/start`);
    t.clock.advance(60_000);
    await keepAlive(sockets);
    const left = await post(uma, `/api/sessions/${session.id}/leave`);
    assert.equal(left.statusCode, 200);
    const after = left.json();
    assert.equal(after.hostUserId, vic.id, 'Vic connected before Wes');
    const roles = Object.fromEntries(after.participants.map((p: Json) => [p.userId, p.role]));
    assert.deepEqual(roles, { [uma.id]: 'participant', [vic.id]: 'host', [wes.id]: 'participant' });
    for (const s of sockets.slice(1)) {
      assert.deepEqual(await s.next('participant-left'), { type: 'participant-left', userId: uma.id, reason: 'left' });
      assert.deepEqual(await s.next('host-changed'), { type: 'host-changed', hostUserId: vic.id });
    }
    const ev = (await events('participant.left')).find((e) => e.subject === session.id)!;
    assert.equal(ev.data.userId, uma.id);
    assert.equal(ev.data.reason, 'left');
    assert.equal(ev.data.presenceSeconds, 63, 'connected 3 s before the start, then 60 s');
    // A member who left is not offered the session again and cannot signal in it.
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/sessions/current', headers: uma.headers })).statusCode, 404);
    const back = await fixture.open(uma, session.id);
    assert.equal((await back.closed).code, 4403);
    // The new host ends it for everyone.
    const ended = await post(vic, `/api/sessions/${session.id}/end`);
    assert.equal(ended.json().endReason, 'host_ended');
    for (const s of sockets.slice(1)) assert.equal((await s.next('session-ended')).reason, 'host_ended');
    assert.equal((await post(wes, `/api/sessions/${session.id}/end`)).statusCode, 409);
  });

  test('AC7: a private session times out 30 min after its start; session.ended carries every participant and their stats', async () => {
    const { session, users, sockets } = await connectedSession(['Xia', 'Yan']);
    const [xia, yan] = users;
    await post(xia, `/api/sessions/${session.id}/start`);
    // Yan speaks 90 s in total; a claim beyond presence is capped.
    await t.services.sessions.addSpeakingTime(session.id, yan.id, 90, t.clock.now());
    t.clock.advance(30 * 60_000 - 1000);
    await keepAlive(sockets);
    await t.runJobs();
    assert.equal((await get(xia, session.id)).status, 'active');
    t.clock.advance(1000);
    await keepAlive(sockets);
    await t.services.sessions.addSpeakingTime(session.id, xia.id, 10_000, t.clock.now());
    await t.runJobs();
    assert.equal((await sockets[0].next('session-ended')).reason, 'timeout');
    const ended = await get(yan, session.id);
    assert.equal(ended.endReason, 'timeout');
    const ev = (await events('session.ended')).find((e) => e.subject === session.id)!;
    assert.equal(ev.data.reason, 'timeout');
    assert.equal(ev.data.durationSeconds, 30 * 60);
    const stats = Object.fromEntries(ev.data.participants.map((p: Json) => [p.userId, p]));
    assert.equal(stats[xia.id].presenceSeconds, 30 * 60 + 2);
    assert.equal(stats[xia.id].speakingTimeSeconds, 30 * 60 + 2, 'bounded by presence');
    assert.equal(stats[yan.id].speakingTimeSeconds, 1, 'at the time of the 90 s claim Yan had been present 1 s');
    assert.equal(stats[yan.id].presenceSeconds, 30 * 60 + 1);
  });

  test('AC7: everyone leaving ends a private session all_left; an orphaned one is cleaned up', async () => {
    const a = await connectedSession(['Zed', 'Amy']);
    await post(a.users[0], `/api/sessions/${a.session.id}/start`);
    await post(a.users[0], `/api/sessions/${a.session.id}/leave`);
    const last = await post(a.users[1], `/api/sessions/${a.session.id}/leave`);
    assert.equal(last.json().status, 'ended');
    assert.equal(last.json().endReason, 'all_left');

    const b = await connectedSession(['Bea', 'Cal']);
    await post(b.users[0], `/api/sessions/${b.session.id}/start`);
    for (const s of b.sockets) await s.close(); // both drop and never come back
    await waitUntil(() => b.users.every((u) => !t.services.signaling.isConnected(b.session.id, u.id)), 'the drops were noticed');
    await t.services.signaling.idle();
    t.clock.advance(31_000);
    await t.runJobs(); // the drops become final: everyone left
    assert.equal((await get(b.users[0], b.session.id)).endReason, 'all_left');

    const host = await t.user('Lonely Host');
    const c = (await create(host)).json(); // nobody ever connects
    t.clock.advance(5 * 60_000 - 1000);
    await t.runJobs();
    assert.equal((await get(host, c.id)).status, 'waiting');
    t.clock.advance(1000);
    await t.runJobs();
    const orphan = await get(host, c.id);
    assert.equal(orphan.status, 'ended');
    assert.equal(orphan.endReason, 'cancelled');
  });

  test('AC4: participants, consent, current session', async () => {
    const { session, users } = await connectedSession(['Dan', 'Eli']);
    const [dan, eli] = users;
    const list = await t.app.inject({ method: 'GET', url: `/api/sessions/${session.id}/participants`, headers: eli.headers });
    assert.equal(list.statusCode, 200);
    for (const p of list.json().items) {
      for (const key of ['role', 'status', 'cameraEnabled', 'micEnabled', 'recordingConsent', 'joinedAt', 'leftAt', 'presenceSeconds', 'speakingTimeSeconds']) {
        assert.ok(key in p, key);
      }
      assert.equal(p.status, 'connected');
    }
    const stranger = await t.user('Stranger');
    assert.equal((await t.app.inject({ method: 'GET', url: `/api/sessions/${session.id}/participants`, headers: stranger.headers })).statusCode, 404);
    assert.equal((await get(dan, session.id)).recordingEnabled, false);
    const consent = await post(eli, `/api/sessions/${session.id}/consent`, { recordingConsent: true });
    assert.equal(consent.json().recordingEnabled, true);
    const current = await t.app.inject({ method: 'GET', url: '/api/sessions/current', headers: dan.headers });
    assert.equal(current.json().id, session.id);
  });

  test('AC8: history (newest first, paginated) with my stats, and one rating per participant', async () => {
    const fay = await t.user('Fay History');
    const gil = await t.user('Gil History');
    const ids: string[] = [];
    for (const title of ['First', 'Second', 'Third']) {
      const s = (await create(fay, { topicTitle: title })).json();
      await join(gil, s.inviteCode);
      const f = await fixture.open(fay, s.id);
      const g = await fixture.open(gil, s.id);
      await f.next('participant-list');
      await g.next('participant-list');
      await post(fay, `/api/sessions/${s.id}/start`);
      t.clock.advance(120_000);
      await keepAlive([f, g]);
      await post(fay, `/api/sessions/${s.id}/end`);
      await f.closed;
      ids.push(s.id);
    }
    const page1 = (await t.app.inject({ method: 'GET', url: '/api/sessions/history?limit=2', headers: fay.headers })).json();
    assert.deepEqual(page1.items.map((h: Json) => h.topicTitle), ['Third', 'Second']);
    const h = page1.items[0];
    assert.equal(h.participantCount, 2);
    assert.equal(h.durationSeconds, 120);
    assert.equal(h.status, 'ended');
    assert.equal(h.endReason, 'host_ended');
    assert.equal(h.myPresenceSeconds, 120);
    assert.equal(h.myRating, null);
    const page2 = (await t.app.inject({ method: 'GET', url: `/api/sessions/history?limit=2&cursor=${page1.nextCursor}`, headers: fay.headers })).json();
    assert.deepEqual(page2.items.map((x: Json) => x.topicTitle), ['First']);
    assert.equal(page2.nextCursor, null);

    const rated = await post(gil, `/api/sessions/${ids[0]}/rating`, { rating: 5, comment: ' Great practice ' });
    assert.equal(rated.statusCode, 201);
    assert.equal(rated.json().comment, 'Great practice');
    assert.equal((await post(gil, `/api/sessions/${ids[0]}/rating`, { rating: 4 })).json().error.code, 'ALREADY_RATED');
    assert.equal((await post(gil, `/api/sessions/${ids[1]}/rating`, { rating: 6 })).statusCode, 400);
    assert.equal((await post(await t.user('Outsider'), `/api/sessions/${ids[1]}/rating`, { rating: 3 })).statusCode, 404);
    const live = (await create(gil)).json();
    assert.equal((await post(gil, `/api/sessions/${live.id}/rating`, { rating: 3 })).json().error.code, 'SESSION_NOT_ENDED');
    const gilHistory = (await t.app.inject({ method: 'GET', url: '/api/sessions/history', headers: gil.headers })).json();
    assert.deepEqual(gilHistory.items.find((x: Json) => x.id === ids[0]).myRating, { rating: 5, comment: 'Great practice' });
  });

  test('AC9: at most 3 active sessions at once (403)', async () => {
    const u = await t.user('Juggler');
    for (let i = 0; i < 3; i++) assert.equal((await create(u)).statusCode, 201);
    const fourth = await create(u);
    assert.equal(fourth.statusCode, 403);
    assert.equal(fourth.json().error.code, 'TOO_MANY_ACTIVE_SESSIONS');
    const other = (await create(await t.user('Other Host'))).json();
    assert.equal((await join(u, other.inviteCode)).json().error.code, 'TOO_MANY_ACTIVE_SESSIONS');
  });

  test('AC9: the free tier has 10 sessions per UTC day, premium is unlimited', async () => {
    t.clock.set(new Date(Date.UTC(2030, 5, 1, 8, 0)));
    const free = await t.user('Free Daily');
    const premium = await t.user('Premium Daily', { tier: 'premium' });
    for (const u of [free, premium]) {
      for (let i = 0; i < 10; i++) {
        const s = (await create(u)).json();
        assert.equal((await post(u, `/api/sessions/${s.id}/leave`)).statusCode, 200);
      }
    }
    const eleventh = await create(free);
    assert.equal(eleventh.statusCode, 403);
    assert.equal(eleventh.json().error.code, 'DAILY_SESSION_LIMIT');
    assert.equal((await create(premium)).statusCode, 201);
    t.clock.set(new Date(Date.UTC(2030, 5, 2, 0, 0)));
    assert.equal((await create(free)).statusCode, 201, 'a new UTC day');
  });

  test(`concurrent joins to the last seat: exactly one wins${onPostgres ? ' (PostgreSQL)' : ''}`, async () => {
    const host = await t.user('Seat Host');
    const s = (await create(host, { maxParticipants: 3 })).json();
    await join(await t.user('Seat One'), s.inviteCode);
    const racers = await Promise.all(Array.from({ length: 40 }, (_, i) => t.user(`Racer ${i}`)));
    const results = await Promise.all(racers.map((u) => join(u, s.inviteCode)));
    assert.equal(results.filter((r) => r.statusCode === 201).length, 1);
    assert.equal(results.filter((r) => r.statusCode === 409).length, 39, JSON.stringify(results.filter((r) => r.statusCode !== 409 && r.statusCode !== 201).map((r) => r.body).slice(0, 3)));
    assert.equal((await get(host, s.id)).participants.length, 3);
  });

  test(`concurrent creations past the daily limit: exactly 10 succeed${onPostgres ? ' (PostgreSQL)' : ''}`, async () => {
    t.clock.set(new Date(Date.UTC(2030, 6, 1, 8, 0)));
    const u = await t.user('Burst', { tier: 'free' });
    // Leave-as-you-go is not possible concurrently; use joins to sessions of others, 3 at a time
    // would hit the active limit, so measure the daily rule with 25 concurrent creations by a
    // user who has 0 active sessions after each batch.
    let created = 0;
    for (let batch = 0; batch < 5; batch++) {
      const results = await Promise.all(Array.from({ length: 5 }, () => create(u)));
      const ok = results.filter((r) => r.statusCode === 201);
      created += ok.length;
      for (const r of results) assert.ok(r.statusCode === 201 || r.statusCode === 403, String(r.statusCode));
      assert.ok(ok.length <= 3, 'never more than 3 active at once');
      for (const r of ok) await post(u, `/api/sessions/${r.json().id}/leave`);
    }
    assert.equal(created, 10);
    const codes = (await Promise.all(Array.from({ length: 10 }, () => create(u)))).map((r) => r.json().error?.code);
    assert.ok(codes.every((c) => c === 'DAILY_SESSION_LIMIT'));
  });

  test('an outbox failure rolls the state change back: neither the change nor the event is stored', async () => {
    const { session, users } = await connectedSession(['Ida', 'Ivo']);
    const [ida] = users;
    const before = (await events('session.started')).length;
    const original = t.services.outbox.record.bind(t.services.outbox);
    t.services.outbox.record = async () => {
      throw new Error('outbox unavailable');
    };
    try {
      const res = await post(ida, `/api/sessions/${session.id}/start`);
      assert.equal(res.statusCode, 500);
    } finally {
      t.services.outbox.record = original;
    }
    assert.equal((await get(ida, session.id)).status, 'waiting', 'the start was rolled back');
    assert.equal((await events('session.started')).length, before);
    assert.equal((await post(ida, `/api/sessions/${session.id}/start`)).statusCode, 200, 'and can be done again');
  });

  test('events are admin-only and paginated by cursor', async () => {
    const learner = await t.user('Curious');
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/admin/events', headers: learner.headers })).statusCode, 403);
    const admin = await t.user('Paging Admin', { admin: true });
    const first = (await t.app.inject({ method: 'GET', url: '/api/admin/events?limit=2', headers: admin.headers })).json();
    assert.equal(first.items.length, 2);
    const next = (await t.app.inject({ method: 'GET', url: `/api/admin/events?limit=2&after=${first.nextCursor}`, headers: admin.headers })).json();
    assert.notEqual(next.items[0].id, first.items[1].id);
    assert.equal(next.items[0].cursor === first.items[1].cursor, false);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/admin/events?after=abc', headers: admin.headers })).statusCode, 400);
  });
});
