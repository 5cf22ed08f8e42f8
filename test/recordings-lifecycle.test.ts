/**
 * Recordings over time (seed 000 §2.4 and §7.2, DESIGN 4.7), with a manual clock on the embedded
 * store: a recording whose browser went away is completed by the sweep from the chunks that
 * arrived after the upload grace, and the session's hand-off still goes out; a new start in place
 * of an open recording (a reloaded page) settles the old one at once; retention deletes a 31-day-old
 * recording (file first, then row) and keeps a 29-day-old one; erasure removes a user's recordings
 * and their objects. Runs on PGlite and on PostgreSQL (`DATABASE_URL`).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TestUser } from './helpers/harness.ts';
import { useListeningApp } from './helpers/listening-app.ts';
import { fakeChunk, outboxEvents, startRecording, startedSession, storedKeys, uploadChunk } from './helpers/recordings.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const DAY = 24 * 3600_000;

describe('recordings over time', () => {
  const fixture = useListeningApp();
  const t = () => fixture.t;
  const post = (u: TestUser, url: string, payload: Json = {}) => t().app.inject({ method: 'POST', url, headers: u.headers, payload });
  const get = (u: TestUser, url: string) => t().app.inject({ method: 'GET', url, headers: u.headers });
  const recordingOf = async (u: TestUser, id: string) => (await get(u, `/api/recordings/${id}`)).json() as Json;
  /** A complete one-chunk recording of `u` in `sessionId`, ended at the clock's time. */
  const recorded = async (u: TestUser, sessionId: string) => {
    const rec = await startRecording(t(), u, sessionId);
    await uploadChunk(t(), u, rec.id, 1);
    const done = await post(u, `/api/recordings/${rec.id}/complete`, { durationMs: 500 });
    assert.equal(done.statusCode, 200, done.body);
    return done.json() as Json;
  };

  test('a browser gone mid-upload: the sweep completes its recording from the chunks after the grace, and the hand-off names everyone', async () => {
    const { sessionId, users } = await startedSession(t(), [
      { name: 'Kill Ben', consent: true },
      { name: 'Kill Ana', consent: true },
      { name: 'Kill Cai', consent: false },
    ]);
    const [ben, ana] = users as [TestUser, TestUser];
    const anas = await startRecording(t(), ana, sessionId);
    const bens = await startRecording(t(), ben, sessionId);
    for (let n = 1; n <= 3; n++) {
      t().clock.advance(5_000);
      await uploadChunk(t(), ana, anas.id, n, fakeChunk(n, 1_500));
      await uploadChunk(t(), ben, bens.id, n, fakeChunk(n, 1_500));
    }
    // Ana's tab closes: one more URL was asked for, its chunk never arrives. Ben completes.
    t().clock.advance(5_000);
    assert.equal((await post(ana, `/api/recordings/${anas.id}/parts`, { partNumber: 4 })).statusCode, 200);
    t().clock.advance(1_000);
    assert.equal((await post(ben, `/api/recordings/${bens.id}/complete`, { durationMs: 16_000 })).statusCode, 200);
    assert.equal((await post(ben, `/api/sessions/${sessionId}/end`)).statusCode, 200);
    await t().services.recordings.idle();
    await t().runJobs();
    assert.equal((await recordingOf(ana, anas.id)).status, 'recording', 'inside the grace Ana may still come back');
    assert.equal((await outboxEvents(t(), 'session.recorded')).filter((e) => e.subject === sessionId).length, 0, 'the hand-off waits for her');

    t().clock.advance(t().config.rules.recordingUploadGraceMs);
    await t().runJobs();
    const ana1 = await recordingOf(ana, anas.id);
    assert.equal(ana1.status, 'complete');
    assert.equal(ana1.sizeBytes, 4_500, 'the three chunks that arrived');
    assert.equal(ana1.durationMs, 20_000, 'up to her last chunk URL, on the server\'s clock');
    assert.deepEqual((await storedKeys(t(), `recordings/${sessionId}/`)).sort(), [`recordings/${sessionId}/${anas.id}.webm`, `recordings/${sessionId}/${bens.id}.webm`].sort());
    const events = (await outboxEvents(t(), 'session.recorded')).filter((e) => e.subject === sessionId);
    assert.equal(events.length, 1);
    assert.deepEqual(
      (events[0]!.data.recordings as Json[]).map((r) => [r.userId, r.durationMs, r.sizeBytes]).sort(),
      [[ana.id, 20_000, 4_500], [ben.id, 16_000, 4_500]].sort(),
    );
    await t().runJobs();
    assert.equal((await outboxEvents(t(), 'session.recorded')).filter((e) => e.subject === sessionId).length, 1);
  });

  test('a page reloaded mid-recording starts a new recording; the old one is completed from its chunks at once', async () => {
    const { sessionId, users } = await startedSession(t(), [
      { name: 'Reload Ana', consent: true },
      { name: 'Reload Ben', consent: false },
    ]);
    const [ana, ben] = users as [TestUser, TestUser];
    const before = await startRecording(t(), ana, sessionId);
    await uploadChunk(t(), ana, before.id, 1);
    await uploadChunk(t(), ana, before.id, 2);
    t().clock.advance(10_000);
    const after = await startRecording(t(), ana, sessionId);
    await t().services.recordings.idle();
    assert.equal((await recordingOf(ana, before.id)).status, 'complete');
    assert.equal((await post(ana, `/api/recordings/${before.id}/parts`, { partNumber: 3 })).statusCode, 409);
    assert.deepEqual(((await get(ben, `/api/sessions/${sessionId}`)).json() as Json).recordingParticipants, [ana.id], 'still recorded: the new one');
    await uploadChunk(t(), ana, after.id, 1);
    assert.equal((await post(ana, `/api/recordings/${after.id}/complete`, { durationMs: 1_000 })).statusCode, 200);
    assert.deepEqual(((await get(ben, `/api/sessions/${sessionId}`)).json() as Json).recordingParticipants, []);
  });

  test('retention: a recording ended 31 days ago is deleted, file then row; one ended 29 days ago stays', async () => {
    const { sessionId, users } = await startedSession(t(), [
      { name: 'Old Ana', consent: true },
      { name: 'Old Ben', consent: true },
    ]);
    const [ana, ben] = users as [TestUser, TestUser];
    const old = await recorded(ana, sessionId);
    t().clock.advance(2 * DAY);
    const recent = await recorded(ben, sessionId);
    assert.equal(old.expiresAt, new Date(new Date(old.endedAt).getTime() + 30 * DAY).toISOString(), 'the expiry shown to its owner');

    t().clock.set(new Date(old.endedAt).getTime() + 31 * DAY);
    await t().runJobs();
    assert.equal((await get(ana, `/api/recordings/${old.id}`)).statusCode, 404, 'the row is gone');
    assert.deepEqual(await storedKeys(t(), `recordings/${sessionId}/`), [`recordings/${sessionId}/${recent.id}.webm`], 'its file is gone, the other stays');
    assert.equal((await recordingOf(ben, recent.id)).status, 'complete', '29 days old: kept');
    await t().runJobs();
    assert.equal((await recordingOf(ben, recent.id)).status, 'complete', 'idempotent');

    t().clock.advance(2 * DAY);
    await t().runJobs();
    assert.equal((await get(ben, `/api/recordings/${recent.id}`)).statusCode, 404);
    assert.deepEqual(await storedKeys(t(), `recordings/${sessionId}/`), []);
  });

  test('erasure: a user\'s recordings and their objects go; the others\' stay', async () => {
    const { sessionId, users } = await startedSession(t(), [
      { name: 'Erase Ana', consent: true },
      { name: 'Erase Ben', consent: true },
    ]);
    const [ana, ben] = users as [TestUser, TestUser];
    const anas = await recorded(ana, sessionId);
    const open = await startRecording(t(), ana, sessionId);
    await uploadChunk(t(), ana, open.id, 1);
    const bens = await recorded(ben, sessionId);
    const admin = await t().user('Erase Admin', { admin: true });
    const erased = await t().app.inject({ method: 'DELETE', url: `/api/admin/users/${ana.id}/recordings`, headers: admin.headers });
    assert.deepEqual(erased.json(), { recordings: 2 });
    assert.deepEqual(await storedKeys(t(), `recordings/${sessionId}/`), [`recordings/${sessionId}/${bens.id}.webm`]);
    for (const id of [anas.id, open.id]) assert.equal((await get(ana, `/api/recordings/${id}`)).statusCode, 404);
    assert.deepEqual(((await get(ana, '/api/recordings')).json() as Json).items, []);

    // The module hook, as the erasure transaction of `user.deleted` calls it.
    const erasure = t().services.modules.find((m) => m.name === 'recordings')!;
    await t().database.db.transaction((tx) => erasure.eraseUser!(tx, ben.id));
    assert.equal((await get(ben, `/api/recordings/${bens.id}`)).statusCode, 404, 'the rows go with the transaction');
    assert.deepEqual(await storedKeys(t(), `recordings/${sessionId}/`), [`recordings/${sessionId}/${bens.id}.webm`], 'objects wait for the commit and the sweep');
    await t().runJobs();
    assert.deepEqual(await storedKeys(t(), `recordings/${sessionId}/`), []);
  });
});
