/**
 * `session.recorded` exactly once (DESIGN 4.7) under the races a real deployment sees: two
 * instances of the service on one PostgreSQL database (this file uses a PostgreSQL server on both
 * passes: PGlite's single connection would serialise everything and hide the races) and one
 * shared object store, where the last recordings complete on different instances at the same
 * moment, one of them twice at once, while both instances sweep.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../src/shared/clock.ts';
import { openTestDatabase, postgresServerUrl } from './helpers/database.ts';
import { createTestApp, type TestApp, type TestUser } from './helpers/harness.ts';
import { outboxEvents, startRecording, startedSession, uploadChunk } from './helpers/recordings.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('hand-off once, with two instances racing on PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let one: TestApp;
  let two: TestApp;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-rec-race-'));
  const clock = new ManualClock(Math.floor(Date.now() / 60_000) * 60_000);

  before(async () => {
    database = await openTestDatabase({ serverUrl: postgresServerUrl });
    // One database, one objects folder, one clock; two services.
    const env = { DATA_DIR: dataDir, STORAGE_SIGNING_SECRET: 'a-shared-secret-of-at-least-thirty-two-bytes' };
    one = await createTestApp({ database, env, clock });
    two = await createTestApp({ database, env, clock });
  });
  after(async () => {
    await one?.close();
    await two?.close();
    await database?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const complete = (t: TestApp, u: TestUser, id: string) =>
    t.app.inject({ method: 'POST', url: `/api/recordings/${id}/complete`, headers: u.headers, payload: { durationMs: 2_000 } });

  test('completions on both instances at once, one of them twice, and both sweeping: one event naming every recording', async () => {
    for (let round = 0; round < 5; round++) {
      const { sessionId, users } = await startedSession(one, ['Ana', 'Ben', 'Cai'].map((n) => ({ name: `Race ${round} ${n}`, consent: true })));
      const recordings: Json[] = [];
      for (const [i, u] of users.entries()) {
        const t = i % 2 ? two : one;
        const rec = await startRecording(t, u, sessionId);
        await uploadChunk(t, u, rec.id, 1);
        await uploadChunk(t, u, rec.id, 2);
        recordings.push(rec);
      }
      const [ana, ben, cai] = users as [TestUser, TestUser, TestUser];
      if (round % 2) assert.equal((await complete(two, ana, recordings[0]!.id)).statusCode, 200, 'one completed before the end');
      const ended = await one.app.inject({ method: 'POST', url: `/api/sessions/${sessionId}/end`, headers: ana.headers, payload: {} });
      assert.equal(ended.statusCode, 200);

      const results = await Promise.all([
        complete(one, ana, recordings[0]!.id),
        complete(two, ben, recordings[1]!.id),
        complete(one, cai, recordings[2]!.id),
        complete(two, cai, recordings[2]!.id),
        one.services.recordings.sweep(clock.now()),
        two.services.recordings.sweep(clock.now()),
      ]);
      const statuses = results.slice(0, 4).map((r) => (r as { statusCode: number }).statusCode);
      assert.deepEqual(statuses.slice(0, 2), [200, 200]);
      assert.ok(
        statuses.slice(2).includes(200) && statuses.slice(2).every((s) => s === 200 || s === 409),
        `Cai's duplicate completion: one assembles, the other waits its turn or answers the result (${statuses.slice(2)})`,
      );
      await one.services.recordings.idle();
      await two.services.recordings.idle();
      await Promise.all([one.services.recordings.sweep(clock.now()), two.services.recordings.sweep(clock.now())]);

      const events = (await outboxEvents(one, 'session.recorded')).filter((e) => e.subject === sessionId);
      assert.equal(events.length, 1, `round ${round}: exactly one session.recorded`);
      assert.deepEqual(
        (events[0]!.data.recordings as Json[]).map((r) => r.recordingId).sort(),
        recordings.map((r) => r.id).sort(),
        `round ${round}: every recording named`,
      );
      clock.advance(60_000);
    }
  });

  test('a session whose recordings all completed before its end: both instances and the end itself decide at once, one event', async () => {
    for (let round = 0; round < 10; round++) {
      const { sessionId, users } = await startedSession(two, ['Ana', 'Ben'].map((n) => ({ name: `Early ${round} ${n}`, consent: true })));
      const ids: string[] = [];
      for (const [i, u] of users.entries()) {
        const t = i % 2 ? two : one;
        const rec = await startRecording(t, u, sessionId);
        await uploadChunk(t, u, rec.id, 1);
        assert.equal((await complete(t, u, rec.id)).statusCode, 200);
        ids.push(rec.id);
      }
      // The end (whose instance then decides after its commit) and sweeps on both instances, all at once.
      const host = users[0]!;
      await Promise.all([
        one.app.inject({ method: 'POST', url: `/api/sessions/${sessionId}/end`, headers: host.headers, payload: {} }),
        ...Array.from({ length: 3 }, () => [one.services.recordings.sweep(clock.now()), two.services.recordings.sweep(clock.now())]).flat(),
      ]);
      await one.services.recordings.idle();
      await Promise.all([one.services.recordings.sweep(clock.now()), two.services.recordings.sweep(clock.now()), one.services.recordings.sweep(clock.now()), two.services.recordings.sweep(clock.now())]);
      const events = (await outboxEvents(one, 'session.recorded')).filter((e) => e.subject === sessionId);
      assert.equal(events.length, 1, `round ${round}: exactly one session.recorded`);
      assert.deepEqual((events[0]!.data.recordings as Json[]).map((r) => r.recordingId).sort(), ids.sort());
      clock.advance(60_000);
    }
  });
});
