// Proves, against a real S3-protocol server, every AWS SDK v3 call the recordings S3 adapter will
// make (DESIGN 4.7), and reports what the server enforces. Uses the S3_* settings from the
// environment, or starts its own S3Proxy with scripts/start-s3.sh (and stops it at the end).
//   npx tsx scripts/s3-smoke.ts
// Lines: PASS/FAIL for what the adapter relies on, NOTE for observations; ends with "N passed, N failed".
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CopyObjectCommand,
  CreateMultipartUploadCommand, DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand,
  ListMultipartUploadsCommand, ListObjectsV2Command, ListPartsCommand, PutObjectCommand, S3Client,
  UploadPartCommand, UploadPartCopyCommand, type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

const MiB = 1024 * 1024;
let passed = 0;
let failed = 0;
function check(name: string, ok: boolean, detail = ''): void {
  if (ok) passed++; else failed++;
  console.log(`${ok ? 'PASS' : 'FAIL'}  ${name}${detail ? ` — ${detail}` : ''}`);
}
const note = (name: string, detail: string) => console.log(`NOTE  ${name} — ${detail}`);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex').slice(0, 16);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** What a failed SDK call says: error name and HTTP status. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try { await p; return 'accepted'; } catch (e) {
    const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
    return `${err.name} ${err.$metadata?.httpStatusCode ?? ''}`.trim();
  }
}
/** S3's error code from an XML error body. */
const code = async (r: Response) => (await r.text()).match(/<Code>([^<]+)</)?.[1] ?? '';

// --- the server: given, or our own S3Proxy -------------------------------------------------
let runDir: string | undefined;
if (!process.env.S3_ENDPOINT) {
  const out = execFileSync('bash', ['scripts/start-s3.sh'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  for (const line of out.trim().split('\n')) {
    const [k, ...v] = line.split('=');
    process.env[k!] = v.join('=');
  }
  runDir = process.env.S3PROXY_RUN_DIR;
}
const stop = () => { if (runDir) execFileSync('bash', ['scripts/start-s3.sh', 'stop', runDir], { stdio: 'inherit' }); runDir = undefined; };
process.on('SIGINT', () => { stop(); process.exit(130); });

const env = process.env as Record<string, string>;
const bucket = env.S3_BUCKET!;
// The options the adapter needs. Checksums only when an operation requires them: S3-compatible
// servers differ in support for the SDK's default CRC32 trailers and presigned checksum params.
const credentials = { accessKeyId: env.S3_ACCESS_KEY_ID!, secretAccessKey: env.S3_SECRET_ACCESS_KEY! };
const base: S3ClientConfig = {
  endpoint: env.S3_ENDPOINT,
  region: env.S3_REGION ?? 'auto',
  forcePathStyle: env.S3_FORCE_PATH_STYLE === 'true', // bucket in the path, not a virtual host name
  credentials,
};
const s3 = new S3Client({ ...base, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
const s3Defaults = new S3Client(base); // the SDK's defaults (WHEN_SUPPORTED), to see what differs
const run = randomUUID();
const key = (name: string) => `smoke/${run}/${name}`;

async function getBytes(k: string): Promise<Uint8Array> {
  const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: k }));
  return r.Body!.transformToByteArray();
}

try {
  console.log(`server ${env.S3_ENDPOINT}, bucket ${bucket}, region ${base.region}, node ${process.version}`);

  // --- 1. presigned PUT from a "browser" (plain fetch), presigned GET -----------------------------
  const audio = randomBytes(40_000);
  const k1 = key('presigned.webm');
  const putUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key: k1, ContentType: 'audio/webm' }),
    { expiresIn: 900, signableHeaders: new Set(['content-type']) }); // sign the type: else any type passes
  let r = await fetch(putUrl, { method: 'PUT', body: audio, headers: { 'Content-Type': 'audio/webm' } });
  check('presigned PUT (fetch, Content-Type audio/webm)', r.status === 200, `${r.status}, ETag ${r.headers.get('etag')}`);
  // S3Proxy ignores checksum query params (see below), so this is the only guard against them.
  check('WHEN_REQUIRED client: no checksum params in the presigned PUT', ![...new URL(putUrl).searchParams.keys()].some((p) => /checksum/i.test(p)));
  const getUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: k1 }), { expiresIn: 24 * 3600 });
  r = await fetch(getUrl);
  const got = new Uint8Array(await r.arrayBuffer());
  check('presigned GET (24 h) returns the same bytes', r.status === 200 && sha(got) === sha(audio), `${r.status}, ${got.length} B`);
  check('stored Content-Type kept', r.headers.get('content-type') === 'audio/webm', String(r.headers.get('content-type')));

  r = await fetch(putUrl, { method: 'PUT', body: audio, headers: { 'Content-Type': 'audio/ogg' } });
  check('presigned PUT, signed type, sent with another Content-Type: refused', r.status === 403, `${r.status} ${await code(r)}`);
  r = await fetch(putUrl, { method: 'PUT', body: audio });
  check('presigned PUT, signed type, sent with no Content-Type: refused', r.status >= 400, `${r.status} ${await code(r)}`);
  const looseUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key: key('loose.webm'), ContentType: 'audio/webm' }), { expiresIn: 900 });
  r = await fetch(looseUrl, { method: 'PUT', body: audio, headers: { 'Content-Type': 'video/mp4' } });
  note('presigned PUT with the presigner defaults (content-type unsigned), sent as video/mp4',
    `${r.status} (the SDK never signs content-type unless signableHeaders says so)`);

  // checksums: what the SDK's default client puts into a presigned PUT, and whether it works
  const defUrl = await getSignedUrl(s3Defaults, new PutObjectCommand({ Bucket: bucket, Key: key('def.webm'), ContentType: 'audio/webm' }),
    { expiresIn: 900, signableHeaders: new Set(['content-type']) });
  const params = [...new URL(defUrl).searchParams.keys()].filter((p) => /checksum/i.test(p));
  r = await fetch(defUrl, { method: 'PUT', body: audio, headers: { 'Content-Type': 'audio/webm' } });
  const crc = new URL(defUrl).searchParams.get('x-amz-checksum-crc32');
  note('presigned PUT signed by a default-checksum client', `checksum params [${params.join(', ') || 'none'}]` +
    `${crc ? `, x-amz-checksum-crc32=${crc} (the empty body's)` : ''}; 40 KB upload ${r.status} ${r.ok ? '' : await code(r)}`);
  note('PutObject with a wrong ChecksumCRC32', await outcome(s3.send(new PutObjectCommand({ Bucket: bucket, Key: key('bad-crc'), Body: audio, ChecksumCRC32: 'AAAAAA==' }))));
  note('PutObject with a wrong ContentMD5', await outcome(s3.send(new PutObjectCommand({ Bucket: bucket, Key: key('bad-md5'), Body: audio, ContentMD5: '1B2M2Y8AsgTpgAmY7PhCfg==' }))));
  note('PutObject Buffer, default checksums', await outcome(s3Defaults.send(new PutObjectCommand({ Bucket: bucket, Key: key('def-buf'), Body: audio }))));
  const streamed = async (c: S3Client, k: string) => {
    await c.send(new PutObjectCommand({ Bucket: bucket, Key: k, Body: Readable.from([audio]), ContentLength: audio.length }));
    return sha(await getBytes(k)) === sha(audio) ? 'stored intact' : `stored bytes differ (${(await getBytes(k)).length} B)`;
  };
  note('PutObject stream, default checksums (aws-chunked + CRC32 trailer)', await streamed(s3Defaults, key('def-stream')).catch((e) => `error ${e.name}`));
  note('PutObject stream, WHEN_REQUIRED', await streamed(s3, key('req-stream')).catch((e) => `error ${e.name}`));
  note('GetObject, default response validation', await outcome(s3Defaults.send(new GetObjectCommand({ Bucket: bucket, Key: k1 })).then((o) => o.Body!.transformToByteArray())));

  // --- 2. what the server refuses ----------------------------------------------------------------
  const shortUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: k1 }), { expiresIn: 1 });
  await sleep(2100);
  r = await fetch(shortUrl);
  check('presigned GET expiresIn 1 s, used after 2 s: refused', r.status === 403, `${r.status} ${await code(r)}`);
  const oldUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: k1 }), { expiresIn: 60, signingDate: new Date(Date.now() - 3600_000) });
  r = await fetch(oldUrl);
  check('presigned GET signed 1 h ago for 60 s: refused', r.status === 403, `${r.status} ${await code(r)}`);
  const stretched = new URL(oldUrl); stretched.searchParams.set('X-Amz-Expires', '604800');
  r = await fetch(stretched);
  check('same URL with X-Amz-Expires raised: refused', r.status === 403, `${r.status} ${await code(r)}`);
  const other = key('other.webm');
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: other, Body: audio }));
  r = await fetch(getUrl.replace(k1, other));
  check('presigned GET for key A used on key B: refused', r.status === 403, `${r.status} ${await code(r)}`);
  const putB = putUrl.replace(k1, key('tampered.webm'));
  r = await fetch(putB, { method: 'PUT', body: audio, headers: { 'Content-Type': 'audio/webm' } });
  check('presigned PUT for key A used on key B: refused', r.status === 403, `${r.status} ${await code(r)}`);
  r = await fetch(getUrl, { method: 'PUT', body: audio });
  check('presigned GET URL used to PUT: refused', r.status === 403, `${r.status} ${await code(r)}`);
  const wrong = new S3Client({ ...base, credentials: { ...credentials, secretAccessKey: 'wrong' } });
  check('wrong secret: refused', /SignatureDoesNotMatch|AccessDenied|Forbidden|403/.test(await outcome(wrong.send(new HeadObjectCommand({ Bucket: bucket, Key: k1 })))));
  r = await fetch(`${env.S3_ENDPOINT}/${bucket}/${k1}`);
  check('anonymous GET: refused', r.status === 403, `${r.status}`);

  // --- 3. HeadObject: does a chunk exist, and how big is it ---------------------------------------
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: k1 }));
  check('HeadObject ContentLength', head.ContentLength === audio.length, `${head.ContentLength} B, ${head.ContentType}, ETag ${head.ETag}`);
  check('HeadObject of a missing key: NotFound', (await outcome(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key('missing') })))) === 'NotFound 404');

  // --- 4. assembling chunks ------------------------------------------------------------------------
  /** Uploads n chunks of `size` bytes the browser's way (presigned PUT); returns their keys and bytes. */
  async function uploadChunks(prefix: string, n: number, size: number) {
    const chunks: { key: string; bytes: Buffer; etag: string }[] = [];
    for (let i = 1; i <= n; i++) {
      const k = key(`${prefix}/part-${String(i).padStart(5, '0')}`);
      const bytes = randomBytes(size);
      const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key: k, ContentType: 'audio/webm' }),
        { expiresIn: 900, signableHeaders: new Set(['content-type']) });
      const res = await fetch(url, { method: 'PUT', body: bytes, headers: { 'Content-Type': 'audio/webm' } });
      if (res.status !== 200) throw new Error(`chunk ${i}: ${res.status}`);
      chunks.push({ key: k, bytes, etag: res.headers.get('etag')! });
    }
    return chunks;
  }
  async function deleteChunks(chunks: { key: string }[], label: string) {
    const d = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: chunks.map((c) => ({ Key: c.key })), Quiet: true } }));
    const left = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: chunks[0]!.key.replace(/part-\d+$/, '') }));
    check(`DeleteObjects of ${chunks.length} ${label} chunks`, !d.Errors?.length && !left.KeyCount, `errors ${d.Errors?.length ?? 0}, left ${left.KeyCount}`);
  }

  // (a) small: read each chunk, PutObject the concatenation
  let t0 = Date.now();
  const small = await uploadChunks('small', 50, 40_000);
  const tUp = Date.now() - t0; t0 = Date.now();
  const parts = await Promise.all(small.map((c) => getBytes(c.key)));
  const whole = Buffer.concat(parts);
  const kSmall = key('small.webm');
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: kSmall, Body: whole, ContentType: 'audio/webm' }));
  const hs = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: kSmall }));
  check('(a) 50 × 40 KB: GetObject each + PutObject of the concatenation',
    sha(await getBytes(kSmall)) === sha(Buffer.concat(small.map((c) => c.bytes))) && hs.ContentLength === 2_000_000,
    `${hs.ContentLength} B; 50 presigned PUTs ${tUp} ms, assembly ${Date.now() - t0} ms`);
  const copied = key('copied.webm');
  await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: copied, CopySource: `${bucket}/${small[0]!.key}` }));
  check('CopyObject (a recording of one chunk)', sha(await getBytes(copied)) === sha(small[0]!.bytes));
  await deleteChunks(small, 'small');

  // (b) > 5 MiB: 140 × 40 KiB = 5.47 MiB
  const big = await uploadChunks('big', 140, 40 * 1024);
  const bigBytes = Buffer.concat(big.map((c) => c.bytes));

  // (b1) UploadPart of concatenated chunks, every part but the last exactly 5 MiB
  t0 = Date.now();
  const kBig = key('big.webm');
  const mpu = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: kBig, ContentType: 'audio/webm' }));
  const done: { PartNumber: number; ETag: string }[] = [];
  let buf: Buffer[] = []; let buffered = 0;
  const flush = async (last: boolean) => {
    while (buffered >= 5 * MiB || (last && buffered > 0)) {
      const all = Buffer.concat(buf); const body = all.subarray(0, last ? all.length : 5 * MiB);
      const p = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: kBig, UploadId: mpu.UploadId, PartNumber: done.length + 1, Body: body }));
      done.push({ PartNumber: done.length + 1, ETag: p.ETag! });
      buf = [all.subarray(body.length)]; buffered = all.length - body.length;
    }
  };
  for (const c of big) { buf.push(Buffer.from(await getBytes(c.key))); buffered += c.bytes.length; await flush(false); }
  await flush(true);
  await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: kBig, UploadId: mpu.UploadId, MultipartUpload: { Parts: done } }));
  const hb = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: kBig }));
  check('(b1) multipart, UploadPart of concatenated chunks (5 MiB + rest)', sha(await getBytes(kBig)) === sha(bigBytes) && hb.ContentLength === bigBytes.length,
    `${done.length} parts, ${hb.ContentLength} B, ${hb.ContentType}, ETag ${hb.ETag}, ${Date.now() - t0} ms`);

  // (b2) UploadPartCopy straight from the chunk objects: one 40 KiB part each
  t0 = Date.now();
  const kCopy = key('big-copy.webm');
  const mpc = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: kCopy, ContentType: 'audio/webm' }));
  const copies: { PartNumber: number; ETag: string }[] = [];
  let copyErr = '';
  for (const [i, c] of big.entries()) {
    try {
      const p = await s3.send(new UploadPartCopyCommand({ Bucket: bucket, Key: kCopy, UploadId: mpc.UploadId, PartNumber: i + 1, CopySource: `${bucket}/${c.key}` }));
      copies.push({ PartNumber: i + 1, ETag: p.CopyPartResult!.ETag! });
    } catch (e) { copyErr = (e as Error).name; break; }
  }
  note('(b2) UploadPartCopy from chunk objects', copyErr ? `refused: ${copyErr}` : `${copies.length} parts copied in ${Date.now() - t0} ms`);
  if (!copyErr) {
    const res = await outcome(s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: kCopy, UploadId: mpc.UploadId, MultipartUpload: { Parts: copies } })));
    const ok = res === 'accepted' && sha(await getBytes(kCopy)) === sha(bigBytes);
    note('(b2) CompleteMultipartUpload with 140 parts of 40 KiB (real S3 and R2: EntityTooSmall)', res === 'accepted' ? `accepted, bytes ${ok ? 'intact' : 'WRONG'}` : res);
    if (res !== 'accepted') await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: kCopy, UploadId: mpc.UploadId }));
  }
  // UploadPartCopy with a byte range out of the assembled object: parts of 5 MiB copied server-side
  const kRange = key('big-range.webm');
  const mpr = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: kRange }));
  const rangeRes = await outcome((async () => {
    const p1 = await s3.send(new UploadPartCopyCommand({ Bucket: bucket, Key: kRange, UploadId: mpr.UploadId, PartNumber: 1, CopySource: `${bucket}/${kBig}`, CopySourceRange: `bytes=0-${5 * MiB - 1}` }));
    const p2 = await s3.send(new UploadPartCopyCommand({ Bucket: bucket, Key: kRange, UploadId: mpr.UploadId, PartNumber: 2, CopySource: `${bucket}/${kBig}`, CopySourceRange: `bytes=${5 * MiB}-${bigBytes.length - 1}` }));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: kRange, UploadId: mpr.UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.CopyPartResult!.ETag! }, { PartNumber: 2, ETag: p2.CopyPartResult!.ETag! }] } }));
  })());
  note('UploadPartCopy with CopySourceRange (5 MiB + rest)', rangeRes === 'accepted' ? `accepted, bytes ${sha(await getBytes(kRange)) === sha(bigBytes) ? 'intact' : 'WRONG'}` : rangeRes);

  // small UploadPart parts: is the 5 MiB minimum enforced?
  const kTiny = key('tiny-parts');
  const mpt = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: kTiny }));
  const tiny = [];
  for (let i = 1; i <= 3; i++) {
    const p = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: kTiny, UploadId: mpt.UploadId, PartNumber: i, Body: big[i]!.bytes }));
    tiny.push({ PartNumber: i, ETag: p.ETag! });
  }
  const tinyRes = await outcome(s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: kTiny, UploadId: mpt.UploadId, MultipartUpload: { Parts: tiny } })));
  note('CompleteMultipartUpload with 3 UploadParts of 40 KiB (real S3 and R2: EntityTooSmall)', tinyRes);
  if (tinyRes !== 'accepted') await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: kTiny, UploadId: mpt.UploadId }));

  // multipart with the SDK's default checksums (CRC32 per part)
  const kDef = key('default-checksum-mpu');
  note('multipart with default checksums (UploadPart CRC32, Complete without part checksums)', await outcome((async () => {
    const m = await s3Defaults.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: kDef }));
    const p = await s3Defaults.send(new UploadPartCommand({ Bucket: bucket, Key: kDef, UploadId: m.UploadId, PartNumber: 1, Body: big[0]!.bytes }));
    await s3Defaults.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: kDef, UploadId: m.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p.ETag! }] } }));
  })()));

  await deleteChunks(big, 'big');

  // (b3) incomplete uploads: find them and abort them (the sweep for abandoned recordings)
  const kAb = key('abandoned.webm');
  const ab = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: kAb }));
  await s3.send(new UploadPartCommand({ Bucket: bucket, Key: kAb, UploadId: ab.UploadId, PartNumber: 1, Body: audio }));
  const listed = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key('') }));
  const found = listed.Uploads?.find((u) => u.UploadId === ab.UploadId);
  check('ListMultipartUploads finds the incomplete upload', !!found, `${listed.Uploads?.length ?? 0} listed, Initiated ${found?.Initiated?.toISOString()}`);
  await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: kAb, UploadId: ab.UploadId }));
  const after = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key('') }));
  check('AbortMultipartUpload: no longer listed', !after.Uploads?.some((u) => u.UploadId === ab.UploadId), `${after.Uploads?.length ?? 0} listed`);
  note('ListParts after abort', await outcome(s3.send(new ListPartsCommand({ Bucket: bucket, Key: kAb, UploadId: ab.UploadId }))));

  // leave the bucket as found
  const rest = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key('') }));
  if (rest.Contents?.length) await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: rest.Contents.map((o) => ({ Key: o.Key! })) } }));
  for (const u of after.Uploads ?? []) await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key!, UploadId: u.UploadId! }));
} catch (e) {
  check('smoke run', false, (e as Error).stack ?? String(e));
} finally {
  stop();
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
