/**
 * Pure rules of the recordings (DESIGN 4.7): accepted media types, object keys without personal
 * data, chunk numbering, the duration a client may claim, the embedded store's URL signatures,
 * the S3 settings' checks, and the web client's chunk uploader (order, retries, falling behind,
 * giving up) with a fake store.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { boundedDurationMs, estimatedDurationMs, partKey, partNumberOf, recordingContentType, recordingKey, startsLikeMedia } from '../../src/modules/recordings/media.ts';
import { checkGrant, signGrant, type UrlGrant } from '../../src/modules/recordings/url-signature.ts';
import { BEHIND_AFTER_PARTS, ChunkUploader, UploadRefused } from '../../web/src/call/chunk-uploader.ts';

describe('recording media and keys', () => {
  test('Opus in WebM or Ogg only, as MediaRecorder names them', () => {
    assert.equal(recordingContentType('audio/webm;codecs=opus'), 'audio/webm');
    assert.equal(recordingContentType('Audio/WebM; codecs="opus"'), 'audio/webm');
    assert.equal(recordingContentType('audio/ogg'), 'audio/ogg');
    for (const bad of ['video/webm', 'video/webm;codecs=vp8,opus', 'audio/webm;codecs=vorbis', 'audio/mp4', 'audio/webm-x', '']) assert.equal(recordingContentType(bad), null, bad);
  });

  test('keys hold random ids only; chunks sort in recording order under the file\'s key', () => {
    const key = recordingKey('6f1c…session', 'a2b…recording', 'audio/ogg');
    assert.equal(key, 'recordings/6f1c…session/a2b…recording.ogg');
    assert.equal(partKey(key, 7), `${key}.parts/00007`);
    assert.ok(partKey(key, 9) < partKey(key, 10));
    assert.equal(partNumberOf(key, partKey(key, 42)), 42);
    assert.equal(partNumberOf(key, `${key}.parts/00000`), null);
    assert.equal(partNumberOf(key, `${key}.parts/42`), null);
    assert.equal(partNumberOf(key, 'recordings/other/x.ogg.parts/00001'), null);
  });

  test('a first chunk must start like its type', () => {
    assert.ok(startsLikeMedia('audio/webm', Uint8Array.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f])));
    assert.ok(startsLikeMedia('audio/ogg', new TextEncoder().encode('OggS\0')));
    assert.ok(!startsLikeMedia('audio/ogg', Uint8Array.from([0x1a, 0x45, 0xdf, 0xa3])));
    assert.ok(!startsLikeMedia('audio/webm', Uint8Array.from([0x1a, 0x45])));
  });

  test('a client\'s duration is bounded by the time its recording was open; an interrupted one is estimated from the server\'s clock', () => {
    const start = new Date('2026-03-04T10:00:00Z');
    const now = new Date('2026-03-04T10:01:00Z');
    assert.equal(boundedDurationMs(59_500.4, start, now, 30_000), 59_500);
    assert.equal(boundedDurationMs(3_600_000, start, now, 30_000), 90_000);
    assert.equal(boundedDurationMs(-1, start, now, 30_000), 0);
    assert.equal(estimatedDurationMs(start, new Date('2026-03-04T10:00:25Z')), 25_000);
    assert.equal(estimatedDurationMs(start, start), 0);
  });
});

describe('embedded store URL signatures', () => {
  const secret = new TextEncoder().encode('x'.repeat(32));
  const grant: UrlGrant = { method: 'PUT', key: 'recordings/s/r.webm.parts/00001', expiresAtSec: 1_000, contentType: 'audio/webm', maxBytes: 1024 };
  const sig = signGrant(secret, grant);

  test('good until the expiry, on the clock it is given', () => {
    assert.equal(checkGrant(secret, grant, sig, 999_999), null);
    assert.equal(checkGrant(secret, grant, sig, 1_000_000), 'expired');
  });

  test('every field is covered, and another secret does not match', () => {
    const changes: Partial<UrlGrant>[] = [{ method: 'GET' }, { key: 'recordings/s/r2.webm.parts/00001' }, { expiresAtSec: 2_000 }, { contentType: 'audio/ogg' }, { maxBytes: 2048 }];
    for (const change of changes) assert.equal(checkGrant(secret, { ...grant, ...change }, sig, 0), 'mismatch', JSON.stringify(change));
    assert.equal(checkGrant(new TextEncoder().encode('y'.repeat(32)), grant, sig, 0), 'mismatch');
    assert.equal(checkGrant(secret, grant, sig.slice(1), 0), 'mismatch', 'another length');
  });
});

describe('S3 settings', () => {
  test('a bucket needs its keys; keys without a bucket are a mistake', () => {
    assert.throws(() => loadConfig({ S3_BUCKET: 'b' }), (err: ConfigError) => err.problems.some((p) => p.startsWith('S3_ACCESS_KEY_ID')) && err.problems.some((p) => p.startsWith('S3_SECRET_ACCESS_KEY')));
    assert.throws(() => loadConfig({ S3_ACCESS_KEY_ID: 'k' }), (err: ConfigError) => err.problems.some((p) => p.startsWith('S3_BUCKET')));
    assert.throws(() => loadConfig({ STORAGE_UPLOAD_URL_TTL: '1h' }), (err: ConfigError) => err.problems.some((p) => p.startsWith('STORAGE_UPLOAD_URL_TTL')), 'uploads: 15 minutes at most');
    assert.throws(() => loadConfig({ STORAGE_DOWNLOAD_URL_TTL: '2d' }), (err: ConfigError) => err.problems.some((p) => p.startsWith('STORAGE_DOWNLOAD_URL_TTL')), 'downloads: 24 hours at most');
    assert.throws(() => loadConfig({ S3_FORCE_PATH_STYLE: 'maybe' }), ConfigError);
    const s = loadConfig({ S3_BUCKET: 'b', S3_ACCESS_KEY_ID: 'k', S3_SECRET_ACCESS_KEY: 's', S3_FORCE_PATH_STYLE: 'TRUE' }).storage;
    assert.deepEqual([s.s3Bucket, s.s3Region, s.s3ForcePathStyle, s.uploadUrlTtlMs, s.handoffUrlTtlMs], ['b', 'auto', true, 600_000, 86_400_000]);
  });
});

describe('web client: the chunk uploader', () => {
  /** A fake store: `failures` makes the next PUTs fail (network), `refuse` makes the URL requests fail for good. */
  function fakeStore() {
    const stored: number[] = [];
    const waits: number[] = [];
    const store = {
      stored,
      waits,
      failures: 0,
      refuse: false,
      changes: 0,
      uploader: null as unknown as ChunkUploader,
    };
    store.uploader = new ChunkUploader({
      target: async (n) => {
        if (store.refuse) throw Object.assign(new Error('RECORDING_NOT_OPEN'), { fatal: true });
        return { url: `https://store/${n}`, headers: { 'content-type': 'audio/webm' } };
      },
      put: async (target) => {
        if (store.failures > 0) {
          store.failures--;
          throw new TypeError('Failed to fetch');
        }
        stored.push(Number(target.url.split('/').pop()));
        return `"etag-${target.url.split('/').pop()}"`;
      },
      isFatal: (err) => (err as { fatal?: boolean }).fatal === true,
      onChange: () => store.changes++,
      wait: async (ms) => {
        waits.push(ms);
      },
    });
    return store;
  }
  const blob = (n: number) => new Blob([new Uint8Array(n)]);

  test('uploads in order and lists what it uploaded, with the ETags', async () => {
    const store = fakeStore();
    for (let n = 1; n <= 4; n++) store.uploader.add(n, blob(100));
    await store.uploader.drained();
    assert.deepEqual(store.stored, [1, 2, 3, 4]);
    assert.deepEqual(store.uploader.uploaded(), [1, 2, 3, 4].map((n) => ({ partNumber: n, etag: `"etag-${n}"` })));
    const status = store.uploader.status();
    assert.deepEqual([status.uploadedParts, status.uploadedBytes, status.pendingParts, status.behind, status.failed], [4, 400, 0, false, null]);
  });

  test('a dropped network: the chunk is retried with growing waits, shown as falling behind, and nothing is lost', async () => {
    const store = fakeStore();
    store.failures = 3;
    const seen: boolean[] = [];
    for (let n = 1; n <= BEHIND_AFTER_PARTS; n++) store.uploader.add(n, blob(10));
    seen.push(store.uploader.status().behind);
    await store.uploader.drained();
    assert.equal(seen[0], true, `${BEHIND_AFTER_PARTS} waiting chunks are falling behind`);
    assert.deepEqual(store.stored, [1, 2, 3]);
    assert.equal(store.waits.length, 3);
    assert.ok(store.waits[2]! > store.waits[0]!, `backoff grows: ${store.waits}`);
    assert.equal(store.uploader.status().behind, false, 'caught up');
  });

  test('a refusal that retrying cannot fix stops the upload; a withdrawal drops what waits', async () => {
    const store = fakeStore();
    store.uploader.add(1, blob(10));
    await store.uploader.drained();
    store.refuse = true;
    store.uploader.add(2, blob(10));
    await store.uploader.drained();
    assert.equal(store.uploader.status().failed, 'RECORDING_NOT_OPEN');
    store.uploader.add(3, blob(10));
    assert.equal(store.uploader.status().pendingParts, 1, 'kept as it was: nothing more is taken');

    const other = fakeStore();
    other.failures = 100;
    other.uploader.add(1, blob(10));
    other.uploader.add(2, blob(10));
    other.uploader.stop();
    await other.uploader.drained();
    assert.deepEqual([other.stored, other.uploader.status().pendingParts], [[], 0]);
    assert.ok(new UploadRefused(403).message.includes('403'));
  });
});
