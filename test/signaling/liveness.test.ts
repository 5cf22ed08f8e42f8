import assert from 'node:assert/strict';
import { once } from 'node:events';
import { before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { JobRunner } from '../../src/jobs/job-runner.ts';
import type { TestApp, TestUser } from '../helpers/harness.ts';
import { useListeningApp } from '../helpers/listening-app.ts';
import type { TestSocket } from '../helpers/ws-client.ts';
import { alive, assertNothing, privateSession, signalingUrl, waitUntil } from './support.ts';

/**
 * Liveness (issue 4, seed 003 AC8, DESIGN 5): the server pings every socket; pongs and frames are
 * signs of life. A socket silent for RULES_HEARTBEAT_TIMEOUT (30 s) is closed by the sweep (every
 * JOBS_INTERVAL, 5 s), so a dead client is noticed 30-35 s after its last sign of life, and a
 * healthy client whose page is throttled in a background tab (no heartbeat frames, but the browser
 * still answers pings) is never dropped. The clock is manual; pings and pongs are real frames.
 */
describe('signaling liveness', () => {
  const fixture = useListeningApp();
  let t: TestApp;
  before(() => ({ t } = fixture));
  const SWEEP_EVERY = 5_000; // JOBS_INTERVAL default

  /** A raw client that never answers pings (`autoPong: false`), e.g. a frozen process. */
  async function deafClient(user: TestUser, sessionId: string): Promise<WebSocket> {
    const ws = new WebSocket(signalingUrl(fixture.baseUrl, `token=${user.token}&sessionId=${sessionId}`), { autoPong: false });
    const frames: string[] = [];
    ws.on('message', (data) => frames.push(String(data)));
    await once(ws, 'open');
    while (!frames.some((f) => f.includes('"participant-list"'))) await new Promise((r) => setTimeout(r, 5));
    return ws;
  }

  /**
   * The server pings everyone; once `s` got the ping it has answered (ws answers before it emits
   * `ping`); a ping of our own then comes back only after the server read that pong.
   */
  async function pingAndSettle(s: TestSocket): Promise<void> {
    const gotPing = once(s.ws, 'ping');
    t.services.signaling.pingAll();
    await gotPing;
    await pingAndSettleOwn(s);
  }

  /** A ping of our own comes back only after the server read everything `s` sent before (its pongs too). */
  async function pingAndSettleOwn(s: TestSocket): Promise<void> {
    const gotPong = once(s.ws, 'pong');
    s.ws.ping();
    await gotPong;
  }

  /** A private session with one ordinary client (already past its `participant-list`) and one deaf client. */
  async function listenerAndDeaf(names: [string, string]) {
    const { sessionId, users } = await privateSession(t, names);
    const listener = await fixture.open(users[0], sessionId);
    await listener.next('participant-list');
    const deaf = await deafClient(users[1], sessionId);
    await listener.next('participant-joined');
    return { sessionId, users, listener, deaf };
  }

  test('a client that only answers pings is never dropped; one that answers nothing is closed 30-35 s after its last sign of life', async () => {
    const { sessionId, users, listener: a, deaf: b } = await listenerAndDeaf(['Pong Ana', 'Deaf Ben']);
    const [ana, ben] = users;

    const start = t.clock.now().getTime();
    let benClosedAfter: number | null = null;
    // Two minutes of virtual time: Ana never sends a frame, she only answers the server's pings.
    for (let elapsed = SWEEP_EVERY; elapsed <= 120_000; elapsed += SWEEP_EVERY) {
      t.clock.set(start + elapsed);
      await pingAndSettle(a);
      await t.services.signaling.sweep();
      if (benClosedAfter === null && !t.services.signaling.isConnected(sessionId, ben.id)) benClosedAfter = elapsed;
    }
    assert.ok(benClosedAfter !== null && benClosedAfter >= 30_000 && benClosedAfter <= 35_000, `closed after ${benClosedAfter} ms`);
    if (b.readyState !== b.CLOSED) await once(b, 'close');
    assert.ok(t.services.signaling.isConnected(sessionId, ana.id), 'the healthy client was kept');
    assert.equal(a.ws.readyState, a.ws.OPEN);
    // Ben's drop became final after the reconnect window (30 s) and was announced once.
    assert.deepEqual(await a.next('participant-left'), { type: 'participant-left', userId: ben.id, reason: 'disconnected' });
    await assertNothing(a, 'participant-left');
  });

  test('scheduled pings are spread over the interval and skip connections that were heard from recently', async () => {
    const { sessionId, users } = await privateSession(t, ['Slice Ada', 'Slice Bo', 'Slice Cy', 'Slice Di']);
    const socks: TestSocket[] = [];
    for (const user of users) {
      const s = await fixture.open(user, sessionId);
      await s.next('participant-list');
      socks.push(s);
    }
    const pings = socks.map(() => 0);
    socks.forEach((s, i) => s.ws.on('ping', () => pings[i]++));
    const slices = 4;
    const sliceAll = () => Array.from({ length: slices }, (_, slice) => t.services.signaling.pingSlice(slice, slices, 5_000));

    // Everyone was just heard from (joined at the clock's time): nobody needs a ping.
    assert.deepEqual(sliceAll(), [0, 0, 0, 0]);
    // 6 s later only Di has spoken meanwhile.
    t.clock.set(t.clock.now().getTime() + 6_000);
    await alive(socks[3]);
    const gotPings = socks.slice(0, 3).map((s) => once(s.ws, 'ping'));
    const counts = sliceAll();
    // The four connections were opened one after the other (consecutive ids): one per slice at most.
    assert.ok(counts.every((n) => n <= 1), `pings per slice: ${counts}`);
    assert.equal(counts.reduce((a, b) => a + b, 0), 3);
    await Promise.all(gotPings);
    for (const s of socks.slice(0, 3)) await pingAndSettleOwn(s);
    await assertNothing(socks[3], 'ping-never-a-frame');
    assert.deepEqual(pings, [1, 1, 1, 0]);
    // Their pongs count as signs of life: the next round pings nobody.
    assert.deepEqual(sliceAll(), [0, 0, 0, 0]);
  });

  test('heartbeat frames alone also keep a client alive (clients that do not answer pings)', async () => {
    const { sessionId, users } = await privateSession(t, ['Beat Cai', 'Beat Dee']);
    const [cai, dee] = users;
    const c = await fixture.open(cai, sessionId);
    await c.next('participant-list');
    const d = await deafClient(dee, sessionId);
    const acks: string[] = [];
    d.on('message', (data) => acks.push(String(data)));

    const start = t.clock.now().getTime();
    for (let elapsed = SWEEP_EVERY; elapsed <= 90_000; elapsed += SWEEP_EVERY) {
      t.clock.set(start + elapsed);
      if (elapsed % 15_000 === 0) {
        // Every 15 s (seed 003 AC8), then wait for the ack: the server has seen it.
        const before = acks.length;
        d.send(JSON.stringify({ type: 'heartbeat' }));
        while (!acks.slice(before).some((f) => f.includes('heartbeat-ack'))) await new Promise((r) => setTimeout(r, 5));
      }
      await pingAndSettle(c);
      await t.services.signaling.sweep();
      assert.ok(t.services.signaling.isConnected(sessionId, dee.id), `dropped after ${elapsed} ms`);
    }
    d.close();
  });

  test('a job slower than JOBS_INTERVAL does not delay the heartbeat sweep: liveness runs on its own timer', async () => {
    const { sessionId, users, listener: c, deaf: d } = await listenerAndDeaf(['Slow Job Cy', 'Slow Job Di']);
    const [cy, di] = users;

    // The shared job runner (every module's jobs) is stuck behind a sweep that does not finish.
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    let slowRuns = 0;
    const runner = new JobRunner(
      [{ name: 'slow-matchmaking', run: () => ((slowRuns += 1), stuck) }, ...t.services.modules.flatMap((m) => m.jobs ?? [])],
      { error: () => undefined, debug: () => undefined },
    );
    runner.start(60_000, () => t.clock.now());
    try {
      assert.equal(slowRuns, 1, 'the slow job is running');
      const dClosed = once(d, 'close');
      // 31 s without a sign of life from Di (Cy keeps talking); the liveness timer ticks meanwhile.
      for (let elapsed = 0; elapsed < 31_000; elapsed += 500) {
        t.clock.advance(500);
        if (elapsed % 10_000 === 0) await alive(c);
        t.timers.tick();
      }
      const [code] = (await dClosed) as [number];
      assert.equal(code, 1006, 'the silent socket was terminated by the heartbeat sweep');
      await waitUntil(() => !t.services.signaling.isConnected(sessionId, di.id), 'the drop was recorded');
      assert.ok(t.services.signaling.isConnected(sessionId, cy.id), 'the live one stays');
      assert.equal(slowRuns, 1, 'while the shared runner was still stuck on its first run');
    } finally {
      release();
      await runner.stop();
    }
  });
});

