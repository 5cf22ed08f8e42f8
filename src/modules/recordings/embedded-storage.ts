import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Clock } from '../../shared/clock.ts';
import type { Assembly, ObjectStorage, SignedUrl, StoredObject, UrlAudience } from './object-storage.ts';
import { checkGrant, signGrant, type UrlGrant, type UrlRefusal } from './url-signature.ts';

/** Where the service serves the embedded store's objects (`embedded-storage.routes.ts`). */
export const OBJECTS_ROUTE = '/api/objects';

const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
/** Half-written uploads and assemblies; renamed into place when complete, so readers never see a partial file. */
const TMP_DIR = '.tmp';

/** True for a key of `/`-separated safe segments (none starting with a dot), with an optional trailing `/` for prefixes. */
export function isSafeKey(key: string, prefix = false): boolean {
  const parts = (prefix && key.endsWith('/') ? key.slice(0, -1) : key).split('/');
  return key.length > 0 && key.length <= 512 && parts.every((p) => SEGMENT.test(p));
}

/** The query parameters of a signed URL (`sig` is kept out of logs by the logger's URL redaction). */
export interface SignedQuery {
  expires?: string;
  type?: string;
  max?: string;
  sig?: string;
}

/** The outcome of checking a request against its signed URL. */
export type Authorization = { ok: true; grant: UrlGrant } | { ok: false; refusal: UrlRefusal | 'malformed' };

/**
 * The embedded object store (DESIGN 3): files under `root` (`DATA_DIR/objects`), served by the
 * service at `/api/objects/{key}` through HMAC-signed, expiring URLs (`url-signature.ts`; expiry
 * on the service's clock). One process per `root`, or several sharing one directory and one
 * secret.
 */
export class EmbeddedStorage implements ObjectStorage {
  readonly kind = 'embedded';

  constructor(
    private readonly opts: {
      root: string;
      secret: Uint8Array;
      clock: Clock;
      /** Origin of browser URLs (`PUBLIC_URL`); null: paths on the page's origin. */
      publicUrl: string | null;
      /** Origin of URLs for other services (`PUBLIC_URL`, else `http://HOST:PORT`). */
      serviceUrl: string;
    },
  ) {}

  async presignPut(key: string, contentType: string, ttlMs: number, maxBytes: number): Promise<SignedUrl> {
    return this.sign({ method: 'PUT', key, contentType, maxBytes, expiresAtSec: this.expiry(ttlMs) }, this.opts.publicUrl ?? '', { 'content-type': contentType });
  }

  async presignGet(key: string, ttlMs: number, audience: UrlAudience): Promise<SignedUrl> {
    const origin = audience === 'service' ? this.opts.serviceUrl : (this.opts.publicUrl ?? '');
    return this.sign({ method: 'GET', key, contentType: null, maxBytes: null, expiresAtSec: this.expiry(ttlMs) }, origin, {});
  }

  /**
   * Checks a request for `key` against the signed URL's query (`checkGrant`: signature first, in
   * constant time, then expiry). `HEAD` is checked as `GET`.
   */
  authorize(method: 'GET' | 'HEAD' | 'PUT', key: string, query: SignedQuery): Authorization {
    const expiresAtSec = Number(query.expires);
    if (!isSafeKey(key) || !query.sig || !Number.isSafeInteger(expiresAtSec)) return { ok: false, refusal: 'malformed' };
    const put = method === 'PUT';
    const maxBytes = put ? Number(query.max) : null;
    if (put && (!query.type || !Number.isSafeInteger(maxBytes))) return { ok: false, refusal: 'malformed' };
    const grant: UrlGrant = { method: put ? 'PUT' : 'GET', key, expiresAtSec, contentType: put ? query.type! : null, maxBytes };
    const refusal = checkGrant(this.opts.secret, grant, query.sig, this.opts.clock.nowMs());
    return refusal ? { ok: false, refusal } : { ok: true, grant };
  }

  /** Stores `body` at `key` atomically (a temporary file renamed into place). @returns its entity tag. */
  async write(key: string, body: Uint8Array): Promise<string> {
    const tmp = await this.tmpFile();
    await fsp.writeFile(tmp, body);
    await this.moveInto(tmp, key);
    return etagOf(crypto.createHash('md5').update(body).digest('hex'));
  }

  /** The object at `key` for reading, with its size and type (from the extension), or null. */
  async open(key: string): Promise<{ sizeBytes: number; contentType: string; stream: () => fs.ReadStream } | null> {
    const file = this.file(key);
    const stat = await fsp.stat(file).catch(() => null);
    if (!stat?.isFile()) return null;
    return { sizeBytes: stat.size, contentType: contentTypeOf(key), stream: () => fs.createReadStream(file) };
  }

  async head(key: string): Promise<StoredObject | null> {
    const file = this.file(key);
    const stat = await fsp.stat(file).catch(() => null);
    if (!stat?.isFile()) return null;
    const hash = crypto.createHash('md5');
    await pipeline(fs.createReadStream(file), hash);
    return { key, sizeBytes: stat.size, etag: etagOf(hash.digest('hex')) };
  }

  async readStart(key: string, length: number): Promise<Uint8Array> {
    const handle = await fsp.open(this.file(key), 'r');
    try {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }

  async list(prefix: string): Promise<StoredObject[]> {
    if (!isSafeKey(prefix, true)) throw new Error('unsafe prefix');
    const dir = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const found: StoredObject[] = [];
    const walk = async (relative: string): Promise<void> => {
      const entries = await fsp.readdir(path.join(this.opts.root, relative), { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        const key = relative ? `${relative}/${entry.name}` : entry.name;
        if (entry.name.startsWith('.')) continue;
        if (entry.isDirectory()) {
          if (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`)) await walk(key);
        } else if (entry.isFile() && key.startsWith(prefix)) {
          const stat = await fsp.stat(path.join(this.opts.root, key)).catch(() => null);
          if (stat) found.push({ key, sizeBytes: stat.size, etag: null });
        }
      }
    };
    await walk(dir);
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async concatenate(target: string, sources: StoredObject[], _contentType: string): Promise<Assembly> {
    const tmp = await this.tmpFile();
    const files = sources.map((source) => ({ source, file: this.file(source.key) }));
    let sizeBytes = 0;
    try {
      await pipeline(async function* () {
        for (const { source, file } of files) {
          const data = await fsp.readFile(file);
          if (data.length !== source.sizeBytes) throw new Error(`object ${source.key} changed size during assembly`);
          sizeBytes += data.length;
          yield data;
        }
      }, fs.createWriteStream(tmp));
      await this.moveInto(tmp, target);
      return { sizeBytes, method: 'append', parts: 0 };
    } catch (err) {
      await fsp.rm(tmp, { force: true });
      throw err;
    }
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) await fsp.rm(this.file(key), { force: true });
    // Empty folders (a session's, a recording's chunks) go with their last object.
    const dirs = new Set(keys.map((k) => path.dirname(this.file(k))));
    for (const dir of [...dirs].sort((a, b) => b.length - a.length)) await this.removeEmptyDirs(dir);
  }

  async deletePrefix(prefix: string): Promise<number> {
    const objects = await this.list(prefix);
    await this.delete(objects.map((o) => o.key));
    return objects.length;
  }

  async abortStaleUploads(_prefix: string, before: Date): Promise<number> {
    const dir = path.join(this.opts.root, TMP_DIR);
    let removed = 0;
    for (const name of await fsp.readdir(dir).catch(() => [] as string[])) {
      const stat = await fsp.stat(path.join(dir, name)).catch(() => null);
      if (stat && stat.mtimeMs < before.getTime()) {
        await fsp.rm(path.join(dir, name), { force: true });
        removed++;
      }
    }
    return removed;
  }

  private sign(grant: UrlGrant, origin: string, headers: Record<string, string>): SignedUrl {
    const query = new URLSearchParams({ expires: String(grant.expiresAtSec) });
    if (grant.contentType !== null) query.set('type', grant.contentType);
    if (grant.maxBytes !== null) query.set('max', String(grant.maxBytes));
    query.set('sig', signGrant(this.opts.secret, grant));
    const pathPart = grant.key.split('/').map(encodeURIComponent).join('/');
    return { url: `${origin}${OBJECTS_ROUTE}/${pathPart}?${query.toString()}`, expiresAt: new Date(grant.expiresAtSec * 1000), headers };
  }

  private expiry(ttlMs: number): number {
    return Math.floor((this.opts.clock.nowMs() + ttlMs) / 1000);
  }

  private file(key: string): string {
    if (!isSafeKey(key)) throw new Error('unsafe object key');
    return path.join(this.opts.root, ...key.split('/'));
  }

  private async tmpFile(): Promise<string> {
    const dir = path.join(this.opts.root, TMP_DIR);
    await fsp.mkdir(dir, { recursive: true });
    return path.join(dir, crypto.randomUUID());
  }

  private async moveInto(tmp: string, key: string): Promise<void> {
    const file = this.file(key);
    for (let attempt = 1; ; attempt++) {
      await fsp.mkdir(path.dirname(file), { recursive: true });
      try {
        return await fsp.rename(tmp, file);
      } catch (err) {
        // A deletion emptied and removed the folder between the two calls: make it again.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 3) throw err;
      }
    }
  }

  private async removeEmptyDirs(dir: string): Promise<void> {
    const root = path.resolve(this.opts.root);
    for (let d = path.resolve(dir); d.startsWith(`${root}${path.sep}`); d = path.dirname(d)) {
      try {
        await fsp.rmdir(d);
      } catch {
        return; // not empty (or gone): stop climbing
      }
    }
  }
}

/** S3's form of an entity tag: the quoted hex MD5 of a single-part object. */
function etagOf(md5Hex: string): string {
  return `"${md5Hex}"`;
}

function contentTypeOf(key: string): string {
  if (key.endsWith('.webm')) return 'audio/webm';
  if (key.endsWith('.ogg')) return 'audio/ogg';
  return 'application/octet-stream';
}
