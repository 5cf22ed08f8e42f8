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
import { fakeChunk, getFrom, outboxEvents, putTo, startRecording, startedSession, storedKeys, uploadChunk } from './helpers/recordings.ts';
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

  test('access: a recording is its owner\'s only; other members, admins and strangers get 404, anonymous callers 401, on every route', async () => {
    const { sessionId, users } = await startedSession(t(), [
      { name: 'Acc Owner', consent: true },
      { name: 'Acc Member', consent: false },
    ]);
    const [owner, member] = users as [TestUser, TestUser];
    const admin = await t().user('Acc Admin', { admin: true });
    const stranger = await t().user('Acc Stranger');
    const anonymous = null;
    const code = (res: { statusCode: number; json: () => unknown }) => [res.statusCode, res.statusCode >= 400 ? (res.json() as Json).error.code : null];
    const everyone: [string, TestUser | null][] = [['member', member], ['admin', admin], ['stranger', stranger], ['anonymous', anonymous]];

    // Starting: only a consenting member.
    const startAs = (u: TestUser | null) => post(u, `/api/sessions/${sessionId}/recordings`, { contentType: 'audio/webm' });
    assert.deepEqual(code(await startAs(member)), [403, 'CONSENT_REQUIRED']);
    assert.deepEqual(code(await startAs(admin)), [404, 'SESSION_NOT_FOUND']);
    assert.deepEqual(code(await startAs(stranger)), [404, 'SESSION_NOT_FOUND']);
    assert.deepEqual(code(await startAs(anonymous)), [401, 'AUTH_REQUIRED']);
    // Each new start interrupts the owner's open recording (one capture at a time).
    const rec = await startRecording(t(), owner, sessionId);
    t().clock.advance(1_000);
    const spare = await startRecording(t(), owner, sessionId);
    t().clock.advance(1_000);
    const kept = await startRecording(t(), owner, sessionId);
    await t().services.recordings.idle();

    const routes: [string, (u: TestUser | null) => Promise<{ statusCode: number; json: () => unknown }>][] = [
      ['GET /api/recordings/:id', (u) => get(u, `/api/recordings/${kept.id}`)],
      ['POST /api/recordings/:id/parts', (u) => post(u, `/api/recordings/${kept.id}/parts`, { partNumber: 1 })],
      ['POST /api/recordings/:id/complete', (u) => post(u, `/api/recordings/${kept.id}/complete`, { durationMs: 1000 })],
      ['POST /api/recordings/:id/abort', (u) => post(u, `/api/recordings/${kept.id}/abort`)],
    ];
    for (const [route, call] of routes) {
      for (const [who, u] of everyone) {
        const expected = u === null ? [401, 'AUTH_REQUIRED'] : [404, 'RECORDING_NOT_FOUND'];
        assert.deepEqual(code(await call(u)), expected, `${route} as ${who}`);
      }
    }
    // The session's list: members see their own (none), non-members 404.
    assert.deepEqual((await get(member, `/api/sessions/${sessionId}/recordings`)).json(), { items: [] });
    for (const u of [admin, stranger]) assert.deepEqual(code(await get(u, `/api/sessions/${sessionId}/recordings`)), [404, 'SESSION_NOT_FOUND']);
    assert.deepEqual(code(await get(anonymous, `/api/sessions/${sessionId}/recordings`)), [401, 'AUTH_REQUIRED']);
    for (const u of [member, admin, stranger]) assert.deepEqual((await get(u, '/api/recordings')).json(), { items: [], nextCursor: null });
    assert.deepEqual(code(await get(anonymous, '/api/recordings')), [401, 'AUTH_REQUIRED']);

    // The owner: every route works.
    await uploadChunk(t(), owner, kept.id, 1);
    assert.equal((await get(owner, `/api/recordings/${kept.id}`)).json().status, 'recording');
    const mine = (await get(owner, `/api/sessions/${sessionId}/recordings`)).json() as Json;
    assert.deepEqual(mine.items.map((r: Json) => r.id), [rec.id, spare.id, kept.id]);
    assert.deepEqual(mine.items.map((r: Json) => r.status), ['abandoned', 'abandoned', 'recording'], 'a new start interrupted the open one; nothing had arrived');
    assert.equal((await post(owner, `/api/recordings/${kept.id}/complete`, { durationMs: 1000 })).statusCode, 200);
    const page = (await get(owner, '/api/recordings?limit=2')).json() as Json;
    assert.deepEqual(page.items.map((r: Json) => r.id), [kept.id, spare.id]);
    assert.ok(page.nextCursor);
    assert.deepEqual(((await get(owner, `/api/recordings?limit=2&cursor=${page.nextCursor}`)).json() as Json).items.map((r: Json) => r.id), [rec.id]);
    const another = await startRecording(t(), owner, sessionId);
    assert.deepEqual((await post(owner, `/api/recordings/${another.id}/abort`)).json(), { id: another.id, status: 'aborted' });
    assert.deepEqual(code(await get(owner, `/api/recordings/${another.id}`)), [404, 'RECORDING_NOT_FOUND'], 'an aborted recording is gone');
    assert.deepEqual(code(await post(owner, `/api/recordings/${another.id}/parts`, { partNumber: 1 })), [404, 'RECORDING_NOT_FOUND']);
    assert.deepEqual((await post(owner, `/api/recordings/${another.id}/abort`)).json(), { id: another.id, status: 'aborted' }, 'aborting again answers the same');

    // The file's signed URL: only as signed.
    const { url } = (await get(owner, `/api/recordings/${kept.id}`)).json() as Json;
    assert.equal((await getFrom(t(), url)).status, 200);
    assert.equal((await getFrom(t(), url.split('?')[0])).status, 403, 'no signature');
    assert.equal((await getFrom(t(), url.replace(kept.id, rec.id))).status, 403, 'another key');

    // Erasing someone's recordings is for admins.
    const erase = (u: TestUser | null) => t().app.inject({ method: 'DELETE', url: `/api/admin/users/${owner.id}/recordings`, headers: u?.headers ?? {} });
    for (const u of [owner, member, stranger]) assert.deepEqual(code(await erase(u)), [403, 'ADMIN_ONLY']);
    assert.deepEqual(code(await erase(anonymous)), [401, 'AUTH_REQUIRED']);
    assert.equal((await get(owner, `/api/recordings/${kept.id}`)).statusCode, 200, 'nothing erased by the refused calls');
  });

  test('bad input gets a clear 400 and stores nothing', async () => {
    const { sessionId, users } = await startedSession(t(), [
      { name: 'Bad Ana', consent: true },
      { name: 'Bad Ben', consent: true },
    ]);
    const [ana, ben] = users as [TestUser, TestUser];
    const code = (res: { statusCode: number; json: () => unknown }) => [res.statusCode, (res.json() as Json).error?.code];

    // A type that is not Opus audio in WebM or Ogg.
    for (const contentType of ['video/webm', 'audio/webm;codecs=vp8', 'audio/mpeg', 'audio/webm;codecs=pcm']) {
      assert.deepEqual(code(await post(ana, `/api/sessions/${sessionId}/recordings`, { contentType })), [400, 'UNSUPPORTED_CONTENT_TYPE'], contentType);
    }
    assert.deepEqual(code(await post(ana, `/api/sessions/${sessionId}/recordings`, { contentType: 'audio/webm', extra: 1 })), [400, 'VALIDATION_ERROR']);
    assert.deepEqual((await get(ana, `/api/sessions/${sessionId}/recordings`)).json(), { items: [] }, 'no recording was created');
    assert.equal((await startRecording(t(), ana, sessionId, 'audio/ogg;codecs=opus')).contentType, 'audio/ogg');
    const rec = await startRecording(t(), ana, sessionId);
    await t().services.recordings.idle();

    // Chunk numbers out of range.
    for (const partNumber of [0, -1, 10_001, 1.5, 'x']) {
      assert.deepEqual(code(await post(ana, `/api/recordings/${rec.id}/parts`, { partNumber })), [400, 'VALIDATION_ERROR'], String(partNumber));
    }
    // Someone else's recording: 404, and Ben's own URL cannot be bent to Ana's recording.
    assert.deepEqual(code(await post(ben, `/api/recordings/${rec.id}/parts`, { partNumber: 1 })), [404, 'RECORDING_NOT_FOUND']);
    const bens = await startRecording(t(), ben, sessionId);
    const benUrl = (await post(ben, `/api/recordings/${bens.id}/parts`, { partNumber: 1 })).json() as Json;
    const bent = await putTo(t(), benUrl.url.replace(bens.id, rec.id), benUrl.headers, fakeChunk(1));
    assert.equal(bent.status, 403);
    assert.equal(JSON.parse(bent.body).error.code, 'SIGNATURE_MISMATCH');

    // The wrong Content-Type, and a chunk over the URL's size: refused before the body is stored.
    const part = (await post(ana, `/api/recordings/${rec.id}/parts`, { partNumber: 1 })).json() as Json;
    assert.deepEqual(part.headers, { 'content-type': 'audio/webm' });
    const wrongType = await putTo(t(), part.url, { 'content-type': 'video/webm' }, fakeChunk(1));
    assert.deepEqual([wrongType.status, JSON.parse(wrongType.body).error.code], [400, 'WRONG_CONTENT_TYPE']);
    const tooBig = await putTo(t(), part.url, part.headers, fakeChunk(1, 1024 * 1024 + 1));
    assert.deepEqual([tooBig.status, JSON.parse(tooBig.body).error.code], [400, 'PART_TOO_LARGE']);
    assert.deepEqual(await storedKeys(t(), `recordings/${sessionId}/${rec.id}`), [], 'nothing stored');

    // Completion checks what arrived: nothing yet, a chunk not uploaded, an ETag that differs, a first chunk that is no WebM.
    assert.deepEqual(code(await complete(ana, rec.id, { durationMs: 1000 })), [400, 'NO_PARTS']);
    const etag = await uploadChunk(t(), ana, rec.id, 1, Buffer.from('definitely not a webm file'));
    assert.deepEqual(code(await complete(ana, rec.id, { parts: [{ partNumber: 1 }, { partNumber: 2 }], durationMs: 1000 })), [400, 'PART_MISSING']);
    assert.deepEqual(code(await complete(ana, rec.id, { parts: [{ partNumber: 1 }, { partNumber: 1 }], durationMs: 1000 })), [400, 'DUPLICATE_PART']);
    assert.deepEqual(code(await complete(ana, rec.id, { parts: [{ partNumber: 1, etag: '"0123"' }], durationMs: 1000 })), [400, 'PART_MISMATCH']);
    assert.deepEqual(code(await complete(ana, rec.id, { parts: [{ partNumber: 1, etag: etag! }], durationMs: 1000 })), [400, 'NOT_AUDIO']);
    assert.deepEqual(code(await complete(ana, rec.id, { durationMs: -5 })), [400, 'VALIDATION_ERROR']);
    assert.deepEqual(await storedKeys(t(), `recordings/${sessionId}/${rec.id}.webm`), [`recordings/${sessionId}/${rec.id}.webm.parts/00001`], 'no file assembled');
    assert.equal((await get(ana, `/api/recordings/${rec.id}`)).json().status, 'recording', 'still open: the client may fix it or abort');

    // A good chunk 1 replaces the bad one; a client cannot claim more than the time it recorded.
    await uploadChunk(t(), ana, rec.id, 1);
    t().clock.advance(4_000);
    const done = (await complete(ana, rec.id, { durationMs: 3_600_000 })).json() as Json;
    assert.equal(done.status, 'complete');
    assert.equal(done.durationMs, 4_000 + 30_000, 'bounded by the time it was open (plus a 30 s slack)');
    assert.deepEqual(code(await post(ana, `/api/recordings/${rec.id}/parts`, { partNumber: 2 })), [409, 'RECORDING_NOT_OPEN']);

    // After the session ended plus the upload grace: no more chunk URLs.
    assert.equal((await post(ana, `/api/sessions/${sessionId}/end`)).statusCode, 200);
    assert.deepEqual(code(await post(ana, `/api/sessions/${sessionId}/recordings`, { contentType: 'audio/webm' })), [409, 'SESSION_NOT_ACTIVE']);
    assert.equal((await post(ben, `/api/recordings/${bens.id}/parts`, { partNumber: 2 })).statusCode, 200, 'inside the grace: the last chunk may still come');
    t().clock.advance(t().config.rules.recordingUploadGraceMs);
    assert.deepEqual(code(await post(ben, `/api/recordings/${bens.id}/parts`, { partNumber: 3 })), [400, 'UPLOAD_WINDOW_CLOSED']);
  });

  test('withdrawing consent mid-call stops the recording and deletes its chunks and file; consent given again starts a new one', async () => {
    const { sessionId, users } = await startedSession(t(), [
      { name: 'Wd Ana', consent: true },
      { name: 'Wd Ben', consent: false },
    ]);
    const [ana, ben] = users as [TestUser, TestUser];
    const sb = await fixture.open(ben, sessionId);
    await sb.next('participant-list');

    // A complete stretch, then a second one with two chunks uploaded and a URL still unused.
    const first = await startRecording(t(), ana, sessionId);
    await uploadChunk(t(), ana, first.id, 1);
    assert.equal((await complete(ana, first.id, { durationMs: 1000 })).statusCode, 200);
    const second = await startRecording(t(), ana, sessionId);
    await uploadChunk(t(), ana, second.id, 1);
    await uploadChunk(t(), ana, second.id, 2);
    const late = (await post(ana, `/api/recordings/${second.id}/parts`, { partNumber: 3 })).json() as Json;
    assert.equal((await storedKeys(t(), `recordings/${sessionId}/`)).length, 3);
    sb.messages.length = 0;

    const withdrawn = await post(ana, `/api/sessions/${sessionId}/consent`, { recordingConsent: false });
    assert.equal(withdrawn.statusCode, 200, withdrawn.body);
    assert.deepEqual((withdrawn.json() as Json).recordingParticipants, []);
    assert.equal((withdrawn.json() as Json).recordingEnabled, false);
    assert.deepEqual(await sb.next('recording'), { type: 'recording', userId: ana.id, recording: false });
    await t().services.recordings.idle();
    assert.deepEqual(await storedKeys(t(), `recordings/${sessionId}/`), [], 'chunks and file deleted');
    assert.deepEqual((await get(ana, `/api/sessions/${sessionId}/recordings`)).json(), { items: [] });
    for (const id of [first.id, second.id]) assert.equal((await get(ana, `/api/recordings/${id}`)).statusCode, 404);
    assert.equal((await post(ana, `/api/recordings/${second.id}/parts`, { partNumber: 4 })).statusCode, 404);
    assert.equal((await post(ana, `/api/sessions/${sessionId}/recordings`, { contentType: 'audio/webm' })).statusCode, 403, 'no consent, no recording');

    // A chunk in flight lands after the deletion; it goes when every earlier URL has expired.
    assert.equal((await putTo(t(), late.url, late.headers, fakeChunk(3))).status, 200);
    t().clock.advance(t().config.storage.uploadUrlTtlMs);
    await t().runJobs();
    assert.deepEqual(await storedKeys(t(), `recordings/${sessionId}/`), [], 'the late chunk is gone too');

    // Consent again: a new recording, a new id; the end hands over that one only. (Ben's socket
    // went silent while the clock jumped: he reconnects.)
    const sb2 = await fixture.open(ben, sessionId);
    await sb2.next('participant-list');
    assert.equal((await post(ana, `/api/sessions/${sessionId}/consent`, { recordingConsent: true })).statusCode, 200);
    const third = await startRecording(t(), ana, sessionId);
    assert.ok(![first.id, second.id].includes(third.id));
    assert.deepEqual(await sb2.next('recording'), { type: 'recording', userId: ana.id, recording: true });
    await uploadChunk(t(), ana, third.id, 1);
    assert.equal((await complete(ana, third.id, { durationMs: 1000 })).statusCode, 200);
    assert.equal((await post(ana, `/api/sessions/${sessionId}/end`)).statusCode, 200);
    await t().services.recordings.idle();
    const [event] = (await outboxEvents(t(), 'session.recorded')).filter((e) => e.subject === sessionId);
    assert.deepEqual(event?.data.recordings.map((r: Json) => r.recordingId), [third.id]);
  });

  test('a session whose only member withdrew, or whose recording never got a usable chunk, hands nothing over', async () => {
    const one = await startedSession(t(), [
      { name: 'None Ana', consent: true },
      { name: 'None Ben', consent: false },
    ]);
    const [ana] = one.users as [TestUser];
    const rec = await startRecording(t(), ana, one.sessionId);
    await uploadChunk(t(), ana, rec.id, 1);
    assert.equal((await post(ana, `/api/sessions/${one.sessionId}/consent`, { recordingConsent: false })).statusCode, 200);
    assert.equal((await post(ana, `/api/sessions/${one.sessionId}/end`)).statusCode, 200);

    const two = await startedSession(t(), [
      { name: 'None Cai', consent: true },
      { name: 'None Dee', consent: false },
    ]);
    const [cai] = two.users as [TestUser];
    const broken = await startRecording(t(), cai, two.sessionId);
    await uploadChunk(t(), cai, broken.id, 2); // chunk 1 (the header) never arrives
    assert.equal((await post(cai, `/api/sessions/${two.sessionId}/end`)).statusCode, 200);
    t().clock.advance(t().config.rules.recordingUploadGraceMs);
    await t().services.recordings.idle();
    await t().runJobs();
    assert.equal((await get(cai, `/api/recordings/${broken.id}`)).json().status, 'abandoned');
    assert.deepEqual(await storedKeys(t(), `recordings/${two.sessionId}/`), [], 'its chunk deleted');
    const events = await outboxEvents(t(), 'session.recorded');
    assert.deepEqual(events.filter((e) => e.subject === one.sessionId || e.subject === two.sessionId), []);
  });

  test('no presigned URL signature reaches the logs', async () => {
    const lines = log.join('');
    assert.match(lines, /\/api\/objects\//, 'object requests were logged');
    const signatures = [...lines.matchAll(/[?&]sig=([^&"\s]+)/g)].map((m) => m[1]);
    assert.ok(signatures.length > 0);
    assert.ok(signatures.every((sig) => sig === '[REDACTED]'), `a signature was logged: ${signatures.find((sig) => sig !== '[REDACTED]')}`);
  });
});
