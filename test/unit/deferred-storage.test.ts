/**
 * The S3 store behind a dynamic import (issue 14): the SDK loads on the first call, once for
 * concurrent calls; a failing load fails that call and is tried again on the next one; close()
 * before any call loads nothing. (The store itself is tested against S3Proxy in
 * recordings-storage.test.ts, through this wrapper when the app runs with S3_BUCKET.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeferredS3Storage } from '../../src/modules/recordings/deferred-storage.ts';
import { S3Storage } from '../../src/modules/recordings/s3-storage.ts';

const settings = { endpoint: 'http://127.0.0.1:9', region: 'us-east-1', bucket: 'b', accessKeyId: 'k', secretAccessKey: 's', forcePathStyle: true };

test('loads the SDK once, on the first call, and presigns with it', async () => {
  let loads = 0;
  const storage = new DeferredS3Storage(async () => {
    loads++;
    return new S3Storage(settings, () => Date.UTC(2026, 11, 2));
  });
  assert.equal(loads, 0, 'nothing loads before a call');
  const [a, b] = await Promise.all([storage.presignGet('x/1.webm', 60_000, 'browser'), storage.presignPut('x/2.webm', 'audio/webm', 60_000, 1024)]);
  assert.equal(loads, 1);
  assert.match(a.url, /^http:\/\/127\.0\.0\.1:9\/b\/x\/1\.webm\?.*X-Amz-Expires=60/);
  assert.equal(b.headers['content-type'], 'audio/webm');
  assert.equal(a.expiresAt.toISOString(), '2026-12-02T00:01:00.000Z');
  storage.close();
});

test('a failing load fails the call and is tried again on the next', async () => {
  let loads = 0;
  const storage = new DeferredS3Storage(async () => {
    loads++;
    if (loads === 1) throw new Error('Cannot find package @aws-sdk/client-s3');
    return new S3Storage(settings);
  });
  await assert.rejects(storage.presignGet('k', 60_000, 'service'), /Cannot find package/);
  const url = await storage.presignGet('k', 60_000, 'service');
  assert.equal(loads, 2);
  assert.match(url.url, /X-Amz-Signature=/);
  storage.close();
});

test('close() before any call loads nothing', () => {
  let loads = 0;
  const storage = new DeferredS3Storage(async () => {
    loads++;
    return new S3Storage(settings);
  });
  storage.close();
  assert.equal(loads, 0);
});
