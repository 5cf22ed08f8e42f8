import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type WebSocket from 'ws';
import { createMatchedSession, type TestApp, type TestUser } from '../helpers/harness.ts';
import { useListeningApp } from '../helpers/listening-app.ts';
import { alive, assertNothing, StandInSocket } from './support.ts';

/** Messages of an admitted connection (DESIGN 4.3, seed 003 AC2–AC5). */
describe('signaling messages', () => {
  const app = useListeningApp();
  let t: TestApp;
  before(() => ({ t } = app));
  const open = app.open;

  /** A matched session of `names` (fresh slot each time) and its id. */
  const session = async (names: string[]) => {
    const m = await createMatchedSession(t, names);
    const sessionId = m.sessionIds.get(m.users[0].id)!;
    assert.ok(m.users.every((u) => m.sessionIds.get(u.id) === sessionId), 'all in one session');
    return { sessionId, users: m.users, startTime: m.startTime };
  };

  test('the newcomer gets participant-list (others connected + session); the others get participant-joined', async () => {
    const { sessionId, users, startTime } = await session(['Ana', 'Ben', 'Cai']);
    const [ana, ben] = users;
    const a = await open(ana, sessionId);
    const first = await a.next('participant-list');
    assert.deepEqual(first, {
      type: 'participant-list',
      participants: [],
      session: { id: sessionId, status: 'waiting', startedAt: null, endsAt: new Date(startTime.getTime() + 30 * 60_000).toISOString() },
    });

    const b = await open(ben, sessionId);
    const list = await b.next('participant-list');
    assert.deepEqual(list.participants, [{ userId: ana.id, displayName: 'Ana', role: 'host', micEnabled: true, cameraEnabled: true }]);
    const joined = await a.next('participant-joined');
    assert.deepEqual(joined, {
      type: 'participant-joined',
      participant: { userId: ben.id, displayName: 'Ben', role: 'participant', micEnabled: true, cameraEnabled: true },
    });
    assert.equal('reconnected' in joined, false, 'a first join is not a reconnection');
    await assertNothing(b, 'participant-joined');
  });

  test('offer, answer and ice-candidate reach only the addressee, with fromUserId set by the server', async () => {
    const { sessionId, users } = await session(['Dee', 'Eve', 'Fay']);
    const [dee, eve, fay] = users;
    const d = await open(dee, sessionId);
    const e = await open(eve, sessionId);
    const f = await open(fay, sessionId);
    for (const s of [d, e, f]) await s.next('participant-list');

    // The newcomer (Fay) offers to each; the forged fromUserId is overwritten.
    f.send({ type: 'offer', toUserId: dee.id, sdp: 'v=0 offer-to-dee', fromUserId: eve.id });
    assert.deepEqual(await d.next('offer'), { type: 'offer', fromUserId: fay.id, toUserId: dee.id, sdp: 'v=0 offer-to-dee' });
    d.send({ type: 'answer', toUserId: fay.id, sdp: 'v=0 answer-to-fay' });
    assert.deepEqual(await f.next('answer'), { type: 'answer', fromUserId: dee.id, toUserId: fay.id, sdp: 'v=0 answer-to-fay' });

    const candidate = { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'abcd', evil: 'x' };
    f.send({ type: 'ice-candidate', toUserId: dee.id, candidate, fromUserId: 'someone-else' });
    assert.deepEqual(await d.next('ice-candidate'), {
      type: 'ice-candidate',
      fromUserId: fay.id,
      toUserId: dee.id,
      candidate: { candidate: candidate.candidate, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'abcd' },
    });
    f.send({ type: 'ice-candidate', toUserId: dee.id, candidate: null });
    assert.equal((await d.next('ice-candidate')).candidate, null, 'end-of-candidates is relayed');

    // Eve, in the same session but not addressed, saw none of it; nobody got an error.
    await assertNothing(e, 'offer');
    for (const type of ['answer', 'ice-candidate']) assert.ok(e.hasNo(type));
    for (const s of [d, f]) await assertNothing(s, 'error');
  });

  test('a burst of 300 ICE candidates to two peers arrives complete, in order, each at its addressee', async () => {
    const { sessionId, users } = await session(['Gus', 'Hal', 'Ivy']);
    const [gus, hal, ivy] = users;
    const g = await open(gus, sessionId);
    const h = await open(hal, sessionId);
    const i = await open(ivy, sessionId);
    for (const s of [g, h, i]) await s.next('participant-list');

    // One synchronous loop: the frames reach the server in few reads, and leave in few writes.
    for (let n = 0; n < 150; n++) {
      for (const to of [hal, ivy]) {
        g.send({ type: 'ice-candidate', toUserId: to.id, candidate: { candidate: `candidate:${n} 1 udp 2122260223 10.0.0.${n % 250} ${50_000 + n} typ host`, sdpMid: '0', sdpMLineIndex: 0 } });
      }
    }
    for (const [s, to] of [[h, hal], [i, ivy]] as const) {
      for (let n = 0; n < 150; n++) {
        const frame = await s.next('ice-candidate');
        assert.equal(frame.fromUserId, gus.id);
        assert.equal(frame.toUserId, to.id);
        assert.match((frame.candidate as { candidate: string }).candidate, new RegExp(`^candidate:${n} `), `frame ${n} to ${to.name} in order`);
      }
    }
    for (const s of [g, h, i]) await assertNothing(s, 'error');
  });

  test('frames for one socket in one event-loop turn are written together: its stream is corked at the first, uncorked once after the turn', async () => {
    const { sessionId, users } = await session(['Jo', 'Kit']);
    const [jo, kit] = users;
    // Stand-in sockets: the service's use of the byte stream is what is observed.
    const sender = new StandInSocket();
    const receiver = new StandInSocket();
    const admit = (user: TestUser) => t.services.sessions.authorizeSignaling(sessionId, user.id, t.clock.now());
    await t.services.signaling.connect(sender as unknown as WebSocket, await admit(jo), sender.transport);
    await t.services.signaling.connect(receiver as unknown as WebSocket, await admit(kit), receiver.transport);
    await new Promise((r) => setImmediate(r));
    receiver.events.length = 0;

    const candidate = (n: number) => ({ type: 'ice-candidate', toUserId: kit.id, candidate: { candidate: `candidate:${n} 1 udp 1 10.0.0.1 5000${n} typ host` } });
    sender.receive(candidate(1));
    sender.receive(candidate(2));
    sender.receive(candidate(3));
    assert.deepEqual(receiver.events, ['cork', 'send ice-candidate', 'send ice-candidate', 'send ice-candidate'], 'held until the turn ends');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(receiver.events.slice(4), ['uncork'], 'one uncork: one write for the three');

    sender.receive(candidate(4));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(receiver.events.slice(5), ['cork', 'send ice-candidate', 'uncork'], 'a later turn is written on its own');
    assert.deepEqual(
      receiver.sent
        .map((f) => JSON.parse(f) as { type: string; candidate: { candidate: string } })
        .filter((m) => m.type === 'ice-candidate')
        .map((m) => m.candidate.candidate.split(' ')[0]),
      ['candidate:1', 'candidate:2', 'candidate:3', 'candidate:4'],
    );
    assert.deepEqual(sender.sent.filter((f) => f.includes('"error"')), []);
    receiver.close();
    receiver.emit('close');
    sender.close();
    sender.emit('close');
  });

  test('relaying to someone outside the session, not connected, or to oneself: error frame to the sender, nothing delivered', async () => {
    const one = await session(['Gus', 'Hal', 'Ivy']);
    const other = await session(['Jo', 'Kim']);
    const [gus, hal, ivy] = one.users;
    const [jo] = other.users;
    const g = await open(gus, one.sessionId);
    const h = await open(hal, one.sessionId);
    const j = await open(jo, other.sessionId);
    for (const s of [g, h, j]) await s.next('participant-list');

    for (const toUserId of [jo.id, ivy.id, gus.id, 'nobody']) {
      g.send({ type: 'offer', toUserId, sdp: 'v=0' });
      const error = await g.next('error');
      assert.equal(error.code, 'PEER_NOT_FOUND', `to ${toUserId}`);
      assert.equal(typeof error.message, 'string');
    }
    await assertNothing(j, 'offer');
    await assertNothing(h, 'offer');
    assert.equal(g.ws.readyState, g.ws.OPEN, 'the sender stays connected');
  });

  test('media-state is stored and broadcast to the others with userId; later newcomers see it', async () => {
    const { sessionId, users } = await session(['Lea', 'Max', 'Ned']);
    const [lea, max, ned] = users;
    const l = await open(lea, sessionId);
    const m = await open(max, sessionId);
    await l.next('participant-list');
    await m.next('participant-list');

    l.send({ type: 'media-state', micEnabled: false, cameraEnabled: true });
    assert.deepEqual(await m.next('media-state'), { type: 'media-state', userId: lea.id, micEnabled: false, cameraEnabled: true });
    await assertNothing(l, 'media-state');

    const stored = await t.app.inject({ method: 'GET', url: `/api/sessions/${sessionId}`, headers: max.headers });
    const leaView = stored.json().participants.find((p: { userId: string }) => p.userId === lea.id);
    assert.equal(leaView.micEnabled, false);
    assert.equal(leaView.cameraEnabled, true);

    const n = await open(ned, sessionId);
    const list = await n.next('participant-list');
    const seen = (list.participants as { userId: string; micEnabled: boolean }[]).find((p) => p.userId === lea.id);
    assert.equal(seen?.micEnabled, false);
  });

  test('heartbeat is answered with heartbeat-ack', async () => {
    const { sessionId, users } = await session(['Oda', 'Pia']);
    const o = await open(users[0], sessionId);
    await o.next('participant-list');
    o.send({ type: 'heartbeat' });
    assert.deepEqual(await o.next('heartbeat-ack'), { type: 'heartbeat-ack' });
  });

  test('invalid frames get INVALID_MESSAGE and the socket stays open', async () => {
    const { sessionId, users } = await session(['Quy', 'Rex']);
    const [quy, rex] = users;
    const q = await open(quy, sessionId);
    const r = await open(rex, sessionId);
    await q.next('participant-list');
    await r.next('participant-list');

    const bad: (string | Buffer)[] = [
      'not json',
      '[1,2]',
      '"offer"',
      JSON.stringify({ sdp: 'v=0' }),
      JSON.stringify({ type: 'shout', text: 'hi' }),
      JSON.stringify({ type: 'offer', toUserId: rex.id }),
      JSON.stringify({ type: 'offer', toUserId: rex.id, sdp: 'x'.repeat(32 * 1024 + 1) }),
      JSON.stringify({ type: 'offer', toUserId: 'u'.repeat(129), sdp: 'v=0' }),
      JSON.stringify({ type: 'ice-candidate', toUserId: rex.id, candidate: 'a string' }),
      JSON.stringify({ type: 'media-state', micEnabled: 'no', cameraEnabled: true }),
      Buffer.from(JSON.stringify({ type: 'heartbeat' })),
    ];
    for (const frame of bad) {
      q.ws.send(frame, { binary: Buffer.isBuffer(frame) });
      const error = await q.next('error');
      assert.equal(error.code, 'INVALID_MESSAGE', `for ${String(frame).slice(0, 60)}`);
      assert.equal(typeof error.message, 'string');
    }
    await alive(q);
    assert.equal(q.ws.readyState, q.ws.OPEN);
    await assertNothing(r, 'offer');

    // An SDP of exactly 32 KiB is fine.
    q.send({ type: 'offer', toUserId: rex.id, sdp: 'x'.repeat(32 * 1024) });
    assert.equal(((await r.next('offer')).sdp as string).length, 32 * 1024);
  });

  test('a frame over 64 KiB closes the socket with 1009', async () => {
    const { sessionId, users } = await session(['Sam', 'Tia']);
    const s = await open(users[0], sessionId);
    await s.next('participant-list');
    s.send({ type: 'offer', toUserId: users[1].id, sdp: 'x'.repeat(70 * 1024) });
    assert.equal((await s.closed).code, 1009);
  });

  test('a client that floods or keeps sending garbage is closed with 4429 (its user may reconnect)', async () => {
    const { sessionId, users } = await session(['Uma', 'Vic']);
    const [uma, vic] = users;
    const u = await open(uma, sessionId);
    const v = await open(vic, sessionId);
    await u.next('participant-list');
    await v.next('participant-list');
    // The manual clock stands still, so the budget (500 frames, or 25 malformed ones) never refills.
    for (let i = 0; i < 30; i++) u.ws.send('garbage');
    assert.equal((await u.closed).code, 4429);
    for (let i = 0; i < 501; i++) v.send({ type: 'heartbeat' });
    assert.equal((await v.closed).code, 4429);
    const again = await open(uma, sessionId);
    await again.next('participant-list');
  });
});
