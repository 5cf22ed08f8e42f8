import type { Assembly, ObjectStorage, SignedUrl, StoredObject, UrlAudience } from './object-storage.ts';
import type { S3Storage } from './s3-storage.ts';

/**
 * The S3 store behind a dynamic import (issue 14): the AWS SDK (some 6 MB of heap) is loaded on the
 * first call, so a service without `S3_BUCKET` never holds it. Every method is the loaded
 * {@link S3Storage}'s, unchanged; a failing import fails the call (and the next one tries again).
 */
export class DeferredS3Storage implements ObjectStorage {
  readonly kind = 's3';
  private loading: Promise<S3Storage> | null = null;
  private loaded: S3Storage | null = null;

  /** @param load imports `s3-storage.ts` and builds the store; called once, again after a failure. */
  constructor(private readonly load: () => Promise<S3Storage>) {}

  private storage(): Promise<S3Storage> {
    this.loading ??= this.load().then(
      (storage) => (this.loaded = storage),
      (err: unknown) => {
        this.loading = null;
        throw err;
      },
    );
    return this.loading;
  }

  async presignPut(key: string, contentType: string, ttlMs: number, maxBytes: number): Promise<SignedUrl> {
    return (await this.storage()).presignPut(key, contentType, ttlMs, maxBytes);
  }
  /** S3 URLs are the same for every audience (one endpoint). */
  async presignGet(key: string, ttlMs: number, _audience: UrlAudience): Promise<SignedUrl> {
    return (await this.storage()).presignGet(key, ttlMs);
  }
  async head(key: string): Promise<StoredObject | null> {
    return (await this.storage()).head(key);
  }
  async readStart(key: string, length: number): Promise<Uint8Array> {
    return (await this.storage()).readStart(key, length);
  }
  async list(prefix: string): Promise<StoredObject[]> {
    return (await this.storage()).list(prefix);
  }
  async concatenate(target: string, sources: StoredObject[], contentType: string): Promise<Assembly> {
    return (await this.storage()).concatenate(target, sources, contentType);
  }
  async delete(keys: string[]): Promise<void> {
    return (await this.storage()).delete(keys);
  }
  async deletePrefix(prefix: string): Promise<number> {
    return (await this.storage()).deletePrefix(prefix);
  }
  async abortStaleUploads(prefix: string, before: Date): Promise<number> {
    return (await this.storage()).abortStaleUploads(prefix, before);
  }
  /** Closes the SDK's connections, if it was loaded. */
  close(): void {
    this.loaded?.close();
  }
}
