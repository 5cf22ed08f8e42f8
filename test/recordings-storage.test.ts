/**
 * The recordings' object stores (DESIGN 3, 4.7) against what checks them for real:
 * - the embedded store's HMAC-signed URLs, served by the service's own routes: expiry on the
 *   service's (manual) clock, and every kind of tampering refused;
 * - the S3 adapter against a real S3-protocol server, S3Proxy (SigV4 and presigned-URL expiry
 *   enforced): presigned PUT and GET, the signed content type, an expired URL and another key's
 *   URL refused, assembly by copy, by concatenation and by multipart past 5 MiB, stale multipart
 *   uploads aborted; then the recordings API over S3 (a chunk over the size limit, a > 5 MiB
 *   recording, the hand-off URL).
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { CreateMultipartUploadCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { after, before, describe, test } from 'node:test';
import type { EmbeddedStorage } from '../src/modules/recordings/embedded-storage.ts';
import { MIN_MULTIPART_PART_BYTES, S3Storage } from '../src/modules/recordings/s3-storage.ts';
import { createTestApp, type TestApp, type TestUser } from './helpers/harness.ts';
import { fakeChunk, getFrom, outboxEvents, startRecording, startedSession, storedKeys, uploadChunk } from './helpers/recordings.ts';
import { s3ProxyUnavailable, startS3Proxy, type S3Proxy } from './helpers/s3proxy.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const sha = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');
const MiB = 1024 * 1024;

describe('embedded store: signed URLs served by the service', () => {
  let t: TestApp;
  let storage: EmbeddedStorage;
  before(async () => {
    t = await createTestApp();
    storage = t.services.recordings.storage as EmbeddedStorage;
    assert.equal(storage.kind, 'embedded');
  });
  after(() => t.close());
  const put = (url: string, body: Buffer, type = 'audio/webm') => t.app.inject({ method: 'PUT', url, headers: { 'content-type': type }, payload: body });
  const refusal = (res: { statusCode: number; json: () => unknown }) => [res.statusCode, (res.json() as Json).error.code];
  const withParam = (url: string, name: string, value: string) => {
    const u = new URL(url, 'http://x');
    u.searchParams.set(name, value);
    return `${u.pathname}${u.search}`;
  };

  test('a signed PUT stores the bytes, a signed GET (and HEAD) serves them', async () => {
    const body = fakeChunk(1, 5_000);
    const up = await storage.presignPut('recordings/s1/r1.webm.parts/00001', 'audio/webm', 60_000, 10_000);
    const res = await put(up.url, body);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers.etag, `"${crypto.createHash('md5').update(body).digest('hex')}"`);
    assert.deepEqual(await storage.head('recordings/s1/r1.webm.parts/00001'), { key: 'recordings/s1/r1.webm.parts/00001', sizeBytes: 5_000, etag: res.headers.etag });
    const down = await storage.presignGet('recordings/s1/r1.webm.parts/00001', 60_000, 'browser');
    const got = await t.app.inject({ method: 'GET', url: down.url });
    assert.equal(got.statusCode, 200);
    assert.equal(sha(got.rawPayload), sha(body));
    const head = await t.app.inject({ method: 'HEAD', url: down.url });
    assert.deepEqual([head.statusCode, head.headers['content-length'], head.rawPayload.length], [200, '5000', 0]);
    assert.match((await storage.presignGet('k/x.webm', 60_000, 'service')).url, /^http:\/\/127\.0\.0\.1:3000\/api\/objects\/k\/x\.webm\?/, 'other services get an absolute URL');
  });

  test('URLs expire on the service\'s clock', async () => {
    const up = await storage.presignPut('recordings/s1/r2.webm.parts/00001', 'audio/webm', 60_000, 10_000);
    const down = await storage.presignGet('recordings/s1/r1.webm.parts/00001', 60_000, 'browser');
    t.clock.advance(59_000);
    assert.equal((await t.app.inject({ method: 'GET', url: down.url })).statusCode, 200, 'still valid');
    t.clock.advance(1_000);
    assert.deepEqual(refusal(await put(up.url, fakeChunk(1))), [403, 'URL_EXPIRED']);
    assert.deepEqual(refusal(await t.app.inject({ method: 'GET', url: down.url })), [403, 'URL_EXPIRED']);
    assert.equal(await storage.head('recordings/s1/r2.webm.parts/00001'), null, 'nothing stored');
  });

  test('any change to a signed URL is refused', async () => {
    const key = 'recordings/s1/r3.webm.parts/00001';
    const up = await storage.presignPut(key, 'audio/webm', 60_000, 10_000);
    const down = await storage.presignGet('recordings/s1/r1.webm.parts/00001', 60_000, 'browser');
    const sig = new URL(up.url, 'http://x').searchParams.get('sig')!;
    const tampered: [string, string][] = [
      ['another key', up.url.replace('r3.webm', 'r4.webm')],
      ['a later expiry', withParam(up.url, 'expires', String(Math.floor(t.clock.nowMs() / 1000) + 7 * 86400))],
      ['another type', withParam(up.url, 'type', 'video/webm')],
      ['a bigger size', withParam(up.url, 'max', '100000000')],
      ['a changed signature', withParam(up.url, 'sig', `${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`)],
      ['a shorter signature', withParam(up.url, 'sig', sig.slice(0, 10))],
      ['no signature', up.url.replace(/&sig=[^&]*/, '')],
      ['a download URL used to upload', down.url],
    ];
    for (const [what, url] of tampered) {
      const res = await put(url, fakeChunk(1), what === 'another type' ? 'video/webm' : 'audio/webm');
      assert.deepEqual(refusal(res), [403, 'SIGNATURE_MISMATCH'], what);
    }
    assert.deepEqual(refusal(await t.app.inject({ method: 'GET', url: up.url })), [403, 'SIGNATURE_MISMATCH'], 'an upload URL used to download');
    assert.deepEqual(refusal(await t.app.inject({ method: 'GET', url: down.url.replace('r1.webm', 'r3.webm') })), [403, 'SIGNATURE_MISMATCH'], 'a download URL for another key');
    assert.deepEqual(refusal(await t.app.inject({ method: 'GET', url: '/api/objects/..%2F..%2Fetc%2Fpasswd?expires=9999999999&sig=x' })), [403, 'SIGNATURE_MISMATCH'], 'no way out of the folder');
    assert.equal(await storage.head(key), null);
    assert.equal(await storage.head('recordings/s1/r4.webm.parts/00001'), null);
    // The genuine URL still works, with its own type and size only.
    assert.deepEqual(refusal(await put(up.url, fakeChunk(1), 'audio/ogg')), [400, 'WRONG_CONTENT_TYPE']);
    assert.deepEqual(refusal(await put(up.url, fakeChunk(1, 10_001))), [400, 'PART_TOO_LARGE']);
    assert.equal((await put(up.url, fakeChunk(1))).statusCode, 200);
  });
});

describe('S3 adapter against S3Proxy (a real S3-protocol server)', () => {
  let proxy: S3Proxy | null = null;
  let storage: S3Storage;
  let settings: ConstructorParameters<typeof S3Storage>[0];
  const skip = s3ProxyUnavailable();
  const prefix = `recordings/${crypto.randomUUID()}/`;

  before(async () => {
    if (skip) return;
    proxy = await startS3Proxy();
    const e = proxy.env;
    settings = { endpoint: e.S3_ENDPOINT, region: e.S3_REGION, bucket: e.S3_BUCKET, accessKeyId: e.S3_ACCESS_KEY_ID, secretAccessKey: e.S3_SECRET_ACCESS_KEY, forcePathStyle: true };
    storage = new S3Storage(settings);
  });
  after(async () => {
    storage?.close();
    await proxy?.stop();
  });

  /** Uploads `n` chunks of `size` random bytes through presigned PUTs, as a browser does. */
  async function upload(key: string, n: number, size: number): Promise<Buffer[]> {
    const chunks: Buffer[] = [];
    for (let i = 1; i <= n; i++) {
      const bytes = i === 1 ? fakeChunk(1, size) : crypto.randomBytes(size);
      const url = await storage.presignPut(`${key}.parts/${String(i).padStart(5, '0')}`, 'audio/webm', 60_000, MiB);
      const res = await fetch(url.url, { method: 'PUT', body: new Uint8Array(bytes), headers: url.headers });
      assert.equal(res.status, 200, await res.text());
      chunks.push(bytes);
    }
    return chunks;
  }

  test('presigned PUT and GET; the content type is signed; no checksum parameter in the URL', { skip: skip ?? false }, async () => {
    const key = `${prefix}one.webm`;
    const body = fakeChunk(1, 40_000);
    const up = await storage.presignPut(key, 'audio/webm', 60_000, MiB);
    assert.deepEqual([...new URL(up.url).searchParams.keys()].filter((p) => /checksum/i.test(p)), []);
    assert.ok(up.expiresAt.getTime() - Date.now() <= 60_000 && up.expiresAt.getTime() - Date.now() > 50_000);
    assert.equal((await fetch(up.url, { method: 'PUT', body: new Uint8Array(body), headers: { 'content-type': 'video/webm' } })).status, 403, 'another type');
    assert.equal((await fetch(up.url, { method: 'PUT', body: new Uint8Array(body), headers: up.headers })).status, 200);
    assert.equal((await storage.head(key))?.sizeBytes, 40_000);
    assert.equal(await storage.head(`${prefix}missing`), null);
    const down = await storage.presignGet(key, 60_000);
    const got = await fetch(down.url);
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('content-type'), 'audio/webm');
    assert.equal(sha(new Uint8Array(await got.arrayBuffer())), sha(body));
    assert.deepEqual([...(await storage.readStart(key, 4))], [0x1a, 0x45, 0xdf, 0xa3]);
  });

  test('an expired URL and a URL for another key are refused', { skip: skip ?? false }, async () => {
    const key = `${prefix}two.webm`;
    await upload(key, 1, 1_000);
    // Signed two hours ago for one hour: expired by the server's own clock.
    const past = new S3Storage(settings, () => Date.now() - 2 * 3600_000);
    try {
      const expiredGet = await past.presignGet(`${key}.parts/00001`, 3600_000);
      assert.ok(expiredGet.expiresAt.getTime() < Date.now());
      assert.equal((await fetch(expiredGet.url)).status, 403);
      const expiredPut = await past.presignPut(`${key}.parts/00002`, 'audio/webm', 3600_000, MiB);
      assert.equal((await fetch(expiredPut.url, { method: 'PUT', body: new Uint8Array(10), headers: expiredPut.headers })).status, 403);
    } finally {
      past.close();
    }
    const get = await storage.presignGet(`${key}.parts/00001`, 60_000);
    assert.equal((await fetch(get.url.replace('two.webm', 'one.webm'))).status, 403, 'a GET URL on another key');
    const put = await storage.presignPut(`${key}.parts/00002`, 'audio/webm', 60_000, MiB);
    assert.equal((await fetch(put.url.replace('two.webm', 'three.webm'), { method: 'PUT', body: new Uint8Array(10), headers: put.headers })).status, 403, 'a PUT URL on another key');
    assert.equal((await fetch(get.url, { method: 'PUT', body: new Uint8Array(10) })).status, 403, 'a GET URL used to PUT');
    assert.equal(await storage.head(`${key}.parts/00002`), null);
  });

  test('assembly: one chunk copied, small chunks concatenated, more than 5 MiB in multipart parts', { skip: skip ?? false }, async () => {
    const cases: [string, number, number, string, number][] = [
      ['single', 1, 30_000, 'copy', 0],
      ['small', 50, 40_000, 'put', 0],
      ['big', 140, 40 * 1024, 'multipart', 2],
    ];
    for (const [name, n, size, method, parts] of cases) {
      const key = `${prefix}${name}.webm`;
      const chunks = await upload(key, n, size);
      const sources = await storage.list(`${key}.parts/`);
      assert.equal(sources.length, n);
      const assembly = await storage.concatenate(key, sources, 'audio/webm');
      assert.deepEqual(assembly, { sizeBytes: n * size, method, parts }, name);
      const whole = Buffer.concat(chunks);
      if (name === 'big') assert.ok(whole.length > MIN_MULTIPART_PART_BYTES);
      const got = await fetch((await storage.presignGet(key, 60_000)).url);
      assert.equal(got.headers.get('content-type'), 'audio/webm', `${name}: the file's type`);
      assert.equal(sha(new Uint8Array(await got.arrayBuffer())), sha(whole), `${name}: the bytes, in order`);
      assert.equal(await storage.deletePrefix(`${key}.parts/`), n);
      assert.deepEqual(await storage.list(`${key}.parts/`), []);
    }
  });

  test('multipart uploads left unfinished are aborted', { skip: skip ?? false }, async () => {
    const client = new S3Client({
      endpoint: settings.endpoint!,
      region: 'auto',
      forcePathStyle: true,
      credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
    try {
      const key = `${prefix}crashed.webm`;
      const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: settings.bucket, Key: key }));
      await client.send(new UploadPartCommand({ Bucket: settings.bucket, Key: key, UploadId, PartNumber: 1, Body: crypto.randomBytes(1000) }));
      assert.equal(await storage.abortStaleUploads(prefix, new Date(Date.now() - 3600_000)), 0, 'a recent one stays');
      assert.equal(await storage.abortStaleUploads(prefix, new Date(Date.now() + 60_000)), 1);
      assert.equal(await storage.abortStaleUploads(prefix, new Date(Date.now() + 60_000)), 0);
    } finally {
      client.destroy();
    }
  });

  describe('the recordings API over S3', () => {
    let t: TestApp;
    before(async () => {
      if (skip) return;
      t = await createTestApp({ env: proxy!.env });
      assert.equal(t.services.recordings.storage.kind, 's3');
    });
    after(() => t?.close());
    const post = (u: TestUser, url: string, payload: Json = {}) => t.app.inject({ method: 'POST', url, headers: u.headers, payload });

    test('a chunk over the size limit is refused at completion and deleted; a recording over 5 MiB is assembled in parts and handed off', { skip: skip ?? false }, async () => {
      const { sessionId, users } = await startedSession(t, [
        { name: 'S3 Ana', consent: true },
        { name: 'S3 Ben', consent: false },
      ]);
      const [ana] = users as [TestUser];
      const rec = await startRecording(t, ana, sessionId);
      // S3 cannot limit a presigned PUT's size: the oversize chunk is stored, and found at completion.
      await uploadChunk(t, ana, rec.id, 1, fakeChunk(1, MiB + 1));
      const refused = await post(ana, `/api/recordings/${rec.id}/complete`, { durationMs: 1000 });
      assert.deepEqual([refused.statusCode, refused.json().error.code], [400, 'PART_TOO_LARGE']);
      assert.deepEqual(await storedKeys(t, `recordings/${sessionId}/`), [], 'discarded, nothing assembled');

      const sizes = [MiB, MiB, MiB, MiB, MiB, 700_000];
      const chunks = sizes.map((size, i) => fakeChunk(i + 1, size));
      for (const [i, chunk] of chunks.entries()) await uploadChunk(t, ana, rec.id, i + 1, chunk);
      t.clock.advance(30_000);
      const done = await post(ana, `/api/recordings/${rec.id}/complete`, { parts: sizes.map((_, i) => ({ partNumber: i + 1 })), durationMs: 30_000 });
      assert.equal(done.statusCode, 200, done.body);
      assert.equal(done.json().sizeBytes, 5 * MiB + 700_000);
      assert.deepEqual(await storedKeys(t, `recordings/${sessionId}/`), [`recordings/${sessionId}/${rec.id}.webm`]);
      assert.equal(sha((await getFrom(t, done.json().url)).bytes), sha(Buffer.concat(chunks)));

      assert.equal((await post(ana, `/api/sessions/${sessionId}/end`)).statusCode, 200);
      await t.services.recordings.idle();
      const [event] = (await outboxEvents(t, 'session.recorded')).filter((e) => e.subject === sessionId);
      const [file] = event!.data.recordings as Json[];
      assert.equal(file.sizeBytes, 5 * MiB + 700_000);
      assert.ok(file.url.startsWith(proxy!.env.S3_ENDPOINT), 'a presigned URL of the bucket');
      assert.equal(sha((await getFrom(t, file.url)).bytes), sha(Buffer.concat(chunks)), 'the feedback service can fetch it');
    });
  });
});
