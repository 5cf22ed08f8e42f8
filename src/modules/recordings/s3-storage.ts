import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Assembly, ObjectStorage, SignedUrl, StoredObject } from './object-storage.ts';

/** S3 refuses multipart parts under 5 MiB, but the last (R2 too): the assembly buffers at least this much per part. */
export const MIN_MULTIPART_PART_BYTES = 5 * 1024 * 1024;
/** Chunks fetched ahead while assembling (their order is kept). */
const FETCH_AHEAD = 8;
/** DeleteObjects takes at most 1000 keys a call. */
const DELETE_BATCH = 1000;

/** Where and how to reach the bucket (`S3_*` settings). */
export interface S3StorageSettings {
  endpoint: string | null;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
}

/** The wall clock presigned URLs are signed with (their expiry is checked on the storage's wall clock). */
export type SigningClock = () => number;

/**
 * The S3-compatible object store (DESIGN 3; Cloudflare R2 in production), through AWS SDK v3
 * (`@aws-sdk/client-s3` and its presigner, pinned: later releases need Node 22). Browsers upload
 * chunks with presigned PUTs whose `Content-Type` is signed; the service assembles the chunks by
 * concatenation, or with multipart parts of at least 5 MiB once the file is bigger (chunks of a few
 * seconds are far smaller than S3's minimum part, so upload-part-copy of chunks cannot work).
 * Checksums are `WHEN_REQUIRED`: the SDK's default signs the empty body's CRC32 into presigned
 * PUTs, which real S3 and R2 then refuse (infra/s3proxy/README.md). Presigned URLs are signed and
 * their expiry checked on the wall clock: the storage's, not the service's.
 */
export class S3Storage implements ObjectStorage {
  readonly kind = 's3';
  private readonly client: S3Client;
  private readonly bucket: string;

  /** @param signingClock epoch ms to sign with; tests pass a clock in the past to get URLs that are already expired. */
  constructor(
    settings: S3StorageSettings,
    private readonly signingClock: SigningClock = Date.now,
  ) {
    this.bucket = settings.bucket;
    this.client = new S3Client({
      endpoint: settings.endpoint ?? undefined,
      region: settings.region,
      forcePathStyle: settings.forcePathStyle,
      credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
      maxAttempts: 3,
    });
  }

  async presignPut(key: string, contentType: string, ttlMs: number, _maxBytes: number): Promise<SignedUrl> {
    const expiresIn = Math.floor(ttlMs / 1000);
    const issuedAt = this.signingClock();
    const url = await getSignedUrl(this.client, new PutObjectCommand({ Bucket: this.bucket, Key: key, ContentType: contentType }), {
      expiresIn,
      signingDate: new Date(issuedAt),
      // Signed, so that the browser cannot store anything but the recording's type.
      signableHeaders: new Set(['content-type']),
    });
    return { url, expiresAt: new Date(issuedAt + expiresIn * 1000), headers: { 'content-type': contentType } };
  }

  async presignGet(key: string, ttlMs: number): Promise<SignedUrl> {
    const expiresIn = Math.floor(ttlMs / 1000);
    const issuedAt = this.signingClock();
    const url = await getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn, signingDate: new Date(issuedAt) });
    return { url, expiresAt: new Date(issuedAt + expiresIn * 1000), headers: {} };
  }

  async head(key: string): Promise<StoredObject | null> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { key, sizeBytes: out.ContentLength ?? 0, etag: out.ETag ?? null };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async readStart(key: string, length: number): Promise<Uint8Array> {
    const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=0-${length - 1}` }));
    return (await out.Body!.transformToByteArray()).subarray(0, length);
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const found: StoredObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of page.Contents ?? []) if (o.Key) found.push({ key: o.Key, sizeBytes: o.Size ?? 0, etag: o.ETag ?? null });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async concatenate(target: string, sources: StoredObject[], contentType: string): Promise<Assembly> {
    const total = sources.reduce((sum, s) => sum + s.sizeBytes, 0);
    if (sources.length === 1) {
      await this.client.send(
        new CopyObjectCommand({ Bucket: this.bucket, Key: target, CopySource: `${this.bucket}/${sources[0]!.key}`, ContentType: contentType, MetadataDirective: 'REPLACE' }),
      );
      return { sizeBytes: total, method: 'copy', parts: 0 };
    }
    if (total < MIN_MULTIPART_PART_BYTES) {
      const chunks: Uint8Array[] = [];
      for await (const chunk of this.fetchInOrder(sources)) chunks.push(chunk);
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: target, Body: Buffer.concat(chunks), ContentType: contentType }));
      return { sizeBytes: total, method: 'put', parts: 0 };
    }
    return this.multipart(target, sources, contentType, total);
  }

  async delete(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      const out = await this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }));
      const failed = (out.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (failed.length) throw new Error(`S3 refused to delete ${failed.length} object(s): ${failed[0]!.Code}`);
    }
  }

  async deletePrefix(prefix: string): Promise<number> {
    const objects = await this.list(prefix);
    await this.delete(objects.map((o) => o.key));
    return objects.length;
  }

  async abortStaleUploads(prefix: string, before: Date): Promise<number> {
    let aborted = 0;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      const page = await this.client.send(new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: prefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }));
      for (const u of page.Uploads ?? []) {
        if (!u.Key || !u.UploadId || !u.Initiated || u.Initiated.getTime() >= before.getTime()) continue;
        await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: u.Key, UploadId: u.UploadId }));
        aborted++;
      }
      if (!page.IsTruncated) return aborted;
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
    }
  }

  /** Closes the client's connections. */
  close(): void {
    this.client.destroy();
  }

  /** Parts of at least 5 MiB (the last may be smaller) cut from the chunks' bytes in order. */
  private async multipart(target: string, sources: StoredObject[], contentType: string, total: number): Promise<Assembly> {
    const { UploadId } = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: target, ContentType: contentType }));
    const parts: { PartNumber: number; ETag: string }[] = [];
    const upload = async (body: Buffer) => {
      const PartNumber = parts.length + 1;
      const { ETag } = await this.client.send(new UploadPartCommand({ Bucket: this.bucket, Key: target, UploadId, PartNumber, Body: body }));
      parts.push({ PartNumber, ETag: ETag! });
    };
    try {
      let buffered: Uint8Array[] = [];
      let size = 0;
      for await (const chunk of this.fetchInOrder(sources)) {
        buffered.push(chunk);
        size += chunk.length;
        if (size >= MIN_MULTIPART_PART_BYTES) {
          await upload(Buffer.concat(buffered));
          buffered = [];
          size = 0;
        }
      }
      if (size > 0) await upload(Buffer.concat(buffered));
      await this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: target, UploadId, MultipartUpload: { Parts: parts } }));
      return { sizeBytes: total, method: 'multipart', parts: parts.length };
    } catch (err) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: target, UploadId })).catch(() => undefined);
      throw err;
    }
  }

  /** The sources' bytes in order, `FETCH_AHEAD` requests in flight. @throws when one is missing or not the size `head` gave. */
  private async *fetchInOrder(sources: StoredObject[]): AsyncGenerator<Uint8Array> {
    const fetchOne = async (source: StoredObject) => {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: source.key }));
      const bytes = await out.Body!.transformToByteArray();
      if (bytes.length !== source.sizeBytes) throw new Error(`object ${source.key} changed size during assembly`);
      return bytes;
    };
    const pending: Promise<Uint8Array>[] = [];
    let next = 0;
    const fetchNext = () => {
      const fetching = fetchOne(sources[next++]!);
      fetching.catch(() => undefined); // awaited in turn; a failure ahead of its turn must not go unhandled
      pending.push(fetching);
    };
    while (next < sources.length && pending.length < FETCH_AHEAD) fetchNext();
    while (pending.length) {
      const bytes = await pending.shift()!;
      if (next < sources.length) fetchNext();
      yield bytes;
    }
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}
