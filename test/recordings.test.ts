/**
 * Issue 11 through the API, on the embedded store (files under DATA_DIR/objects served with
 * signed URLs) with real signaling sockets: a consenting member records, uploads chunks and
 * completes; the call sees who is recorded; `session.recorded` goes out once the session ended;
 * bad uploads get clear 400s and store nothing; withdrawing consent deletes what was uploaded;
 * interrupted recordings are completed by the sweep after the upload grace; retention and
 * erasure delete objects and rows. Runs on PGlite and on PostgreSQL (`DATABASE_URL`).
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { before, describe, test } from 'node:test';
import type { TestUser } from './helpers/harness.ts';
import { useListeningApp } from './helpers/listening-app.ts';
import { fakeChunk, getFrom, outboxEvents, startRecording, startedSession, storedKeys, uploadChunk } from './helpers/recordings.ts';
import { alive } from './signaling/support.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const log: string[] = [];
const logSink = new Writable({
  write(chunk, _encoding, done) {
    log.push(String(chunk));
    done();
  },
});

describe('recordings (DESIGN 4.7) on the embedded store', () => {
  const fixture = useListeningApp({ logTo: logSink });
  const t = () => fixture.t;
  const post = (u: TestUser | null, url: string, payload: Json = {}) => t().app.inject({ method: 'POST', url, headers: u?.headers ?? {}, payload });
  const get = (u: TestUser | null, url: string) => t().app.inject({ method: 'GET', url, headers: u?.headers ?? {} });
  const complete = (u: TestUser, id: string, payload: Json) => post(u, `/api/recordings/${id}/complete`, payload);
  const session = async (u: TestUser, id: string) => (await get(u, `/api/sessions/${id}`)).json() as Json;

  before(() => {
    log.length = 0;
  });

  test('a consenting member records their own voice: chunks, one assembled file, the call sees it, session.recorded once after the end', async () => {
    const { sessionId, users } = await startedSession(t(), [
      { name: 'Rec Ana', consent: true },
      { name: 'Rec Ben', consent: false },
    ]);
    const [ana, ben] = users as [TestUser, TestUser];
    const sa = await fixture.open(ana, sessionId);
    const sb = await fixture.open(ben, sessionId);
    await sa.next('participant-list');
    await sb.next('participant-list');

    // Ana starts: everyone in the call hears it at once, and the session resource lists her.
    t().clock.advance(2_000);
    const started = await startRecording(t(), ana, sessionId);
    assert.equal(started.contentType, 'audio/webm');
    assert.equal(started.startOffsetMs, 2_000, 'offset from the session start');
    assert.equal(started.partSize, 1024 * 1024);
    for (const s of [sa, sb]) assert.deepEqual(await s.next('recording'), { type: 'recording', userId: ana.id, recording: true });
    assert.deepEqual((await session(ben, sessionId)).recordingParticipants, [ana.id]);
    // A newcomer's participant list says who is being recorded: Ben reconnects.
    await sb.close();
    const sb2 = await fixture.open(ben, sessionId);
    const list = (await sb2.next('participant-list')) as Json;
    assert.deepEqual(list.participants.map((p: Json) => [p.userId, p.recording]), [[ana.id, true]]);

    // Three chunks of a few seconds each, uploaded to signed URLs; then complete.
    const etags: (string | null)[] = [];
    for (let n = 1; n <= 3; n++) {
      t().clock.advance(5_000);
      etags.push(await uploadChunk(t(), ana, started.id, n, fakeChunk(n, 3_000)));
    }
    assert.equal((await storedKeys(t())).length, 3, 'three chunks stored');
    t().clock.advance(1_000);
    const done = await complete(ana, started.id, { parts: etags.map((etag, i) => ({ partNumber: i + 1, etag })), durationMs: 16_000 });
    assert.equal(done.statusCode, 200, done.body);
    const rec = done.json() as Json;
    assert.equal(rec.status, 'complete');
    assert.equal(rec.sizeBytes, 9_000);
    assert.equal(rec.durationMs, 16_000);
    assert.equal(rec.startOffsetMs, 2_000);
    assert.deepEqual(await storedKeys(t()), [`recordings/${sessionId}/${started.id}.webm`], 'one file, the chunks deleted');
    const file = await getFrom(t(), rec.url);
    assert.equal(file.status, 200);
    assert.equal(file.bytes.length, 9_000);
    assert.deepEqual([...file.bytes.subarray(0, 4)], [0x1a, 0x45, 0xdf, 0xa3]);
    for (const s of [sa, sb2]) {
      await alive(s);
      assert.deepEqual(await s.next('recording'), { type: 'recording', userId: ana.id, recording: false });
    }
    assert.deepEqual((await session(ben, sessionId)).recordingParticipants, []);

    // Completing again answers the same recording; no event while the session goes on.
    assert.equal((await complete(ana, started.id, { durationMs: 16_000 })).json().status, 'complete');
    assert.equal((await outboxEvents(t(), 'session.recorded')).filter((e) => e.subject === sessionId).length, 0);

    // The session ends: session.recorded names Ana's file, once.
    assert.equal((await post(ana, `/api/sessions/${sessionId}/end`)).statusCode, 200);
    await t().services.recordings.idle();
    await t().runJobs();
    const events = (await outboxEvents(t(), 'session.recorded')).filter((e) => e.subject === sessionId);
    assert.equal(events.length, 1);
    const data = events[0]!.data as Json;
    assert.equal(data.sessionId, sessionId);
    assert.equal(data.targetLanguageCode, 'fr');
    assert.equal(data.level, 'B1');
    assert.ok(data.startedAt && data.endedAt);
    assert.equal(data.recordings.length, 1);
    const [r] = data.recordings as Json[];
    assert.equal(r.recordingId, started.id);
    assert.equal(r.userId, ana.id);
    assert.equal(r.contentType, 'audio/webm');
    assert.equal(r.durationMs, 16_000);
    assert.equal(r.sizeBytes, 9_000);
    assert.equal(r.startOffsetMs, 2_000);
    assert.equal(r.key, `recordings/${sessionId}/${started.id}.webm`);
    assert.ok(new Date(r.urlExpiresAt).getTime() - t().clock.nowMs() >= 24 * 3600_000 - 1000, 'valid RECORDING_HANDOFF_URL_TTL');
    assert.match(r.url, /^http:\/\//, 'an absolute URL for the feedback service');
    assert.equal((await getFrom(t(), r.url.replace(/^https?:\/\/[^/]+/, ''))).bytes.length, 9_000);
    for (const key of [ana.id, ben.id]) assert.ok(!r.key.includes(key), 'no user id in a key');

    // Later sweeps and a late duplicate completion send nothing more.
    t().clock.advance(3_600_000);
    await t().runJobs();
    assert.equal((await complete(ana, started.id, { durationMs: 1 })).statusCode, 200);
    assert.equal((await outboxEvents(t(), 'session.recorded')).filter((e) => e.subject === sessionId).length, 1);
    // Ben recorded nothing.
    assert.deepEqual((await get(ben, `/api/sessions/${sessionId}/recordings`)).json(), { items: [] });
  });
});
