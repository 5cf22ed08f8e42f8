import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { openTestDatabase, postgresServerUrl } from './helpers/database.ts';
import { createTestApp, type TestApp, type TestUser } from './helpers/harness.ts';

/**
 * Invite-code guessing (issue 13, seed 002 AC3): an attempt is counted before the code is looked
 * up, in one atomic step shared by every instance, so 200 wrong guesses fired at once by one user
 * get no more than the limit's worth of 404s before 429 — on one instance, on two sharing
 * PostgreSQL, and on two sharing Redis. A global hourly budget bounds any number of accounts.
 * Always on the PostgreSQL server (PGlite's one connection would serialise the guesses anyway).
 */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function twoInstances(env: Record<string, string>): Promise<{ a: TestApp; b: TestApp; close(): Promise<void> }> {
  const database = await openTestDatabase({ serverUrl: postgresServerUrl });
  const secret = crypto.randomBytes(32).toString('hex'); // both verify the same tokens
  const a = await createTestApp({ database, env: { JWT_SECRET: secret, ...env } });
  const b = await createTestApp({ database, clock: a.clock, env: { JWT_SECRET: secret, ...env } });
  return {
    a,
    b,
    async close() {
      await a.close();
      await b.close();
      await database.close();
    },
  };
}

const join = (t: TestApp, u: TestUser, inviteCode: string, ip = '10.0.0.1') =>
  t.app.inject({ method: 'POST', url: '/api/sessions/join', headers: u.headers, remoteAddress: ip, payload: { inviteCode } });

/** Fires `n` wrong guesses at once, alternating between `apps`. @returns the status codes, counted. */
async function burst(apps: TestApp[], u: TestUser, n: number): Promise<Map<number, number>> {
  const codes = await Promise.all(Array.from({ length: n }, (_, i) => join(apps[i % apps.length], u, `ZZ${String(i).padStart(4, '2').replace(/[01]/g, '3')}`)));
  const count = new Map<number, number>();
  for (const r of codes) count.set(r.statusCode, (count.get(r.statusCode) ?? 0) + 1);
  return count;
}

describe('invite-code guessing limits', () => {
  test('200 simultaneous wrong guesses of one user: at most 10 answered 404, the rest 429 (one instance)', async () => {
    const { a, close } = await twoInstances({ INVITE_CODE_FAILURES_GLOBAL_PER_HOUR: '100000' });
    try {
      const guesser = await a.user('Burst Guesser');
      const count = await burst([a], guesser, 200);
      assert.equal(count.get(404), 10, `404s: ${count.get(404)}`);
      assert.equal(count.get(429), 190);
    } finally {
      await close();
    }
  });

  test('the same across two instances sharing PostgreSQL', async () => {
    const { a, b, close } = await twoInstances({ INVITE_CODE_FAILURES_GLOBAL_PER_HOUR: '100000' });
    try {
      const guesser = await a.user('Two Instance Guesser');
      const count = await burst([a, b], guesser, 200);
      assert.equal(count.get(404), 10);
      assert.equal(count.get(429), 190);
    } finally {
      await close();
    }
  });

  test('the same across two instances sharing Redis', async () => {
    const prefix = `it-${crypto.randomBytes(4).toString('hex')}:`;
    const { a, b, close } = await twoInstances({ REDIS_URL, REDIS_KEY_PREFIX: prefix, INVITE_CODE_FAILURES_GLOBAL_PER_HOUR: '100000' });
    const redis = new Redis(REDIS_URL);
    try {
      const guesser = await a.user('Redis Guesser');
      const count = await burst([a, b], guesser, 200);
      assert.equal(count.get(404), 10);
      assert.equal(count.get(429), 190);
      assert.ok((await redis.keys(`${prefix}invite:attempts:*`)).length >= 2, 'counted in Redis');
    } finally {
      await close();
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    }
  });

  test('per address, and a global budget per hour across every account; right codes use none of it', async () => {
    const { a, close } = await twoInstances({ INVITE_CODE_FAILURES_PER_ADDRESS: '4', INVITE_CODE_FAILURES_GLOBAL_PER_HOUR: '6' });
    try {
      const host = await a.user('Budget Host');
      const session = (await a.app.inject({ method: 'POST', url: '/api/sessions', headers: host.headers, payload: { type: 'private', targetLanguageCode: 'fr', maxParticipants: 6 } })).json();
      // Right codes from many users cost nothing.
      for (let i = 0; i < 4; i++) assert.equal((await join(a, await a.user(`Friend ${i}`), session.inviteCode, '10.0.1.1')).statusCode, 201);

      // One address: 4 wrong guesses, whoever sends them.
      const users = await Promise.all(Array.from({ length: 6 }, (_, i) => a.user(`Botnet ${i}`)));
      const fromOne = await Promise.all(users.map((u) => join(a, u, 'ZZZZZZ', '10.0.2.2')));
      assert.deepEqual(fromOne.map((r) => r.statusCode).sort(), [404, 404, 404, 404, 429, 429]);
      // Other addresses: the global budget (6 an hour) has 2 left.
      const elsewhere = await Promise.all(users.map((u, i) => join(a, u, 'ZZZZZY', `10.0.3.${i}`)));
      assert.deepEqual(elsewhere.map((r) => r.statusCode).sort(), [404, 404, 429, 429, 429, 429]);
      const limited = elsewhere.find((r) => r.statusCode === 429)!;
      assert.ok(Number(limited.headers['retry-after']) > 0);
      // While it is used up, even a right code waits; an hour later it goes through.
      const late = await a.user('Late Friend');
      assert.equal((await join(a, late, session.inviteCode, '10.0.4.4')).statusCode, 429);
      a.clock.advance(60 * 60_000 + 1);
      assert.equal((await join(a, late, session.inviteCode, '10.0.4.4')).statusCode, 201);
    } finally {
      await close();
    }
  });
});
