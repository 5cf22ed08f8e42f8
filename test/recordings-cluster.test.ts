/**
 * Who is being recorded reaches every participant on any instance (DESIGN 4.7, seed 000 §5.4):
 * two instances on one database share signaling through the real Redis; a recording started
 * through one instance's API shows on sockets of the other at once, in the participant list of
 * a newcomer there, and its end too.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import type { DatabaseHandle } from '../src/db/client.ts';
import { ManualClock } from '../src/shared/clock.ts';
import { openTestDatabase } from './helpers/database.ts';
import { createTestApp, type TestApp, type TestUser } from './helpers/harness.ts';
import { startRecording, startedSession, uploadChunk } from './helpers/recordings.ts';
import { TestSocket } from './helpers/ws-client.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('recording indicators across two instances (Redis)', () => {
  const prefix = `cs-test-${crypto.randomBytes(6).toString('hex')}:`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-rec-cluster-'));
  const env = { REDIS_URL, REDIS_KEY_PREFIX: prefix, JWT_SECRET: crypto.randomBytes(32).toString('hex'), DATA_DIR: dataDir };
  const clock = new ManualClock(Math.floor(Date.now() / 60_000) * 60_000);
  let database: DatabaseHandle;
  let a: TestApp;
  let b: TestApp;
  const sockets: TestSocket[] = [];
  const bases = new Map<TestApp, string>();
  const baseOf = (t: TestApp) => bases.get(t)!;

  before(async () => {
    database = await openTestDatabase();
    a = await createTestApp({ clock, env, database });
    b = await createTestApp({ clock, env, database });
    bases.set(a, await a.listen());
    bases.set(b, await b.listen());
  });
  after(async () => {
    await Promise.all(sockets.map((s) => (s.ws.readyState === s.ws.CLOSED ? undefined : s.close())));
    await a?.close();
    await b?.close();
    await database?.close();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('started on one instance, seen on the other; a newcomer there lists it; its end too', async () => {
    const { sessionId, users } = await startedSession(a, [
      { name: 'Cl Ana', consent: true },
      { name: 'Cl Ben', consent: false },
      { name: 'Cl Cai', consent: false },
    ]);
    const [ana, ben, cai] = users as [TestUser, TestUser, TestUser];
    const sa = await TestSocket.open(baseOf(a), ana.token, sessionId);
    const sb = await TestSocket.open(baseOf(b), ben.token, sessionId);
    sockets.push(sa, sb);
    await sa.next('participant-list');
    await sb.next('participant-list');

    const rec = await startRecording(a, ana, sessionId);
    assert.deepEqual(await sb.next('recording'), { type: 'recording', userId: ana.id, recording: true }, 'on the other instance');
    assert.deepEqual(await sa.next('recording'), { type: 'recording', userId: ana.id, recording: true });

    const sc = await TestSocket.open(baseOf(b), cai.token, sessionId);
    sockets.push(sc);
    const list = (await sc.next('participant-list')) as Json;
    assert.deepEqual(
      Object.fromEntries(list.participants.map((p: Json) => [p.userId, p.recording ?? false])),
      { [ana.id]: true, [ben.id]: false },
      'a newcomer on the other instance sees who is recorded',
    );

    await uploadChunk(b, ana, rec.id, 1);
    const done = await b.app.inject({ method: 'POST', url: `/api/recordings/${rec.id}/complete`, headers: ana.headers, payload: { durationMs: 1000 } });
    assert.equal(done.statusCode, 200, done.body);
    for (const s of [sa, sb, sc]) assert.deepEqual(await s.next('recording'), { type: 'recording', userId: ana.id, recording: false });
  });
});
