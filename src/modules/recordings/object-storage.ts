/**
 * The object-storage port of the recordings (DESIGN 3): an S3-compatible bucket (`s3-storage.ts`,
 * Cloudflare R2 in production) or files under `DATA_DIR/objects` served by the service itself
 * (`embedded-storage.ts`). Browsers upload chunks and download files through signed URLs; the
 * service checks, assembles and deletes objects itself. Keys are `/`-separated paths of
 * `[A-Za-z0-9._-]` segments.
 */

/** An object as stored. */
export interface StoredObject {
  key: string;
  sizeBytes: number;
  /** The store's entity tag as it sends it (S3: quoted hex), or null. */
  etag: string | null;
}

/** A signed URL: where, until when (UTC), and the headers the request must carry as they are. */
export interface SignedUrl {
  url: string;
  expiresAt: Date;
  headers: Record<string, string>;
}

/** Who will use a download URL: the user's browser (may be a path on the page's origin) or another service (absolute). */
export type UrlAudience = 'browser' | 'service';

/** How `concatenate` built the file. */
export interface Assembly {
  sizeBytes: number;
  /** `copy` (one source), `put` (concatenated in memory, under 5 MiB on S3), `multipart` (S3 parts of 5 MiB and more), `append` (embedded files). */
  method: 'copy' | 'put' | 'multipart' | 'append';
  /** Multipart parts uploaded (0 otherwise). */
  parts: number;
}

/** Object storage as the recordings module uses it. Every method may throw on a storage failure. */
export interface ObjectStorage {
  /** `embedded` or `s3`, for logs and the README's table. */
  readonly kind: 'embedded' | 's3';
  /**
   * A URL to upload one object at `key` with `PUT`, valid `ttlMs`. The request must carry
   * `Content-Type: contentType` (signed). The embedded store also refuses bodies over `maxBytes`;
   * S3 cannot, so the service checks sizes with `head` before using an object.
   */
  presignPut(key: string, contentType: string, ttlMs: number, maxBytes: number): Promise<SignedUrl>;
  /** A URL to download `key` with `GET` (or `HEAD`), valid `ttlMs`. */
  presignGet(key: string, ttlMs: number, audience: UrlAudience): Promise<SignedUrl>;
  /** The object at `key`, or null when there is none. */
  head(key: string): Promise<StoredObject | null>;
  /** The first `length` bytes of `key` (fewer when it is shorter). @throws when it does not exist. */
  readStart(key: string, length: number): Promise<Uint8Array>;
  /** Every object whose key starts with `prefix`, sorted by key. */
  list(prefix: string): Promise<StoredObject[]>;
  /**
   * Writes the concatenation of `sources` (in order; their sizes as `head` gave them) to `target`
   * with `contentType`, replacing it. Sources stay. @throws when a source is missing or changed.
   */
  concatenate(target: string, sources: StoredObject[], contentType: string): Promise<Assembly>;
  /** Deletes `keys`; missing ones are fine. */
  delete(keys: string[]): Promise<void>;
  /** Deletes every object under `prefix`. @returns how many there were. */
  deletePrefix(prefix: string): Promise<number>;
  /**
   * Gives up uploads under `prefix` started before `before` and never finished (S3 multipart
   * uploads, half-written embedded files). @returns how many.
   */
  abortStaleUploads(prefix: string, before: Date): Promise<number>;
}
