/**
 * Shared steps of the recordings tests: a started private session with chosen consents, chunks
 * uploaded the browser's way (a signed URL from the API, then a PUT to it: the embedded store's
 * route through `app.inject`, S3 with `fetch`), the stored objects and the outbox's events.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { outboxSettled } from './database.ts';
import type { TestApp, TestUser } from './harness.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The first bytes of a WebM file (EBML header id). */
const WEBM_MAGIC = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);

/** Bytes standing in for chunk `n` of a WebM recording: chunk 1 starts like a WebM file, the rest is noise. */
export function fakeChunk(n: number, size = 2_000): Buffer {
  const bytes = crypto.randomBytes(size);
  if (n === 1) WEBM_MAGIC.copy(bytes, 0);
  return bytes;
}

/** A private session created by `names[0]` (host) and joined by the others, each with their consent, then started. */
export async function startedSession(t: TestApp, members: { name: string; consent: boolean }[]): Promise<{ sessionId: string; users: TestUser[] }> {
  const users = await Promise.all(members.map((m) => t.user(m.name)));
  const created = await t.app.inject({
    method: 'POST',
    url: '/api/sessions',
    headers: users[0]!.headers,
    payload: { type: 'private', targetLanguageCode: 'fr', level: 'B1', maxParticipants: 6, recordingConsent: members[0]!.consent },
  });
  assert.equal(created.statusCode, 201, created.body);
  const { id: sessionId, inviteCode } = created.json() as Json;
  for (const [i, u] of users.entries()) {
    if (i === 0) continue;
    const joined = await t.app.inject({ method: 'POST', url: '/api/sessions/join', headers: u.headers, payload: { inviteCode, recordingConsent: members[i]!.consent } });
    assert.equal(joined.statusCode, 201, joined.body);
  }
  const started = await t.app.inject({ method: 'POST', url: `/api/sessions/${sessionId}/start`, headers: users[0]!.headers, payload: {} });
  assert.equal(started.statusCode, 200, started.body);
  return { sessionId, users };
}

/** `POST /api/sessions/{id}/recordings` as `user`; asserts 201. @returns the answer. */
export async function startRecording(t: TestApp, user: TestUser, sessionId: string, contentType = 'audio/webm;codecs=opus'): Promise<Json> {
  const res = await t.app.inject({ method: 'POST', url: `/api/sessions/${sessionId}/recordings`, headers: user.headers, payload: { contentType } });
  assert.equal(res.statusCode, 201, res.body);
  return res.json() as Json;
}

/** PUTs `body` to a signed URL: a path of the embedded store through the app, an absolute URL with fetch. */
export async function putTo(t: TestApp, url: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; etag: string | null; body: string }> {
  if (url.startsWith('/')) {
    const res = await t.app.inject({ method: 'PUT', url, headers, payload: body });
    return { status: res.statusCode, etag: (res.headers.etag as string | undefined) ?? null, body: res.body };
  }
  const res = await fetch(url, { method: 'PUT', headers, body: new Uint8Array(body) });
  return { status: res.status, etag: res.headers.get('etag'), body: await res.text() };
}

/** GETs a signed download URL the same way. @returns status and bytes. */
export async function getFrom(t: TestApp, url: string): Promise<{ status: number; bytes: Buffer }> {
  if (url.startsWith('/')) {
    const res = await t.app.inject({ method: 'GET', url });
    return { status: res.statusCode, bytes: res.rawPayload };
  }
  const res = await fetch(url);
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** Asks for chunk `n`'s URL and uploads `body` to it; asserts both worked. @returns the chunk's ETag. */
export async function uploadChunk(t: TestApp, user: TestUser, recordingId: string, n: number, body = fakeChunk(n)): Promise<string | null> {
  const res = await t.app.inject({ method: 'POST', url: `/api/recordings/${recordingId}/parts`, headers: user.headers, payload: { partNumber: n } });
  assert.equal(res.statusCode, 200, res.body);
  const { url, headers } = res.json() as Json;
  const put = await putTo(t, url, headers, body);
  assert.equal(put.status, 200, put.body);
  return put.etag;
}

/** Every object key in the store under `prefix` (default: all recordings and chunks). */
export async function storedKeys(t: TestApp, prefix = 'recordings/'): Promise<string[]> {
  return (await t.services.recordings.storage.list(prefix)).map((o) => o.key);
}

/** The outbox's events (of `type`), oldest first, as an admin reads them. */
export async function outboxEvents(t: TestApp, type?: string): Promise<Json[]> {
  await outboxSettled(t.database.db);
  const admin = await t.user('Outbox Reader', { admin: true });
  const all: Json[] = [];
  let after: string | null = null;
  for (;;) {
    const res: { statusCode: number; body: string; json: () => unknown } = await t.app.inject({
      method: 'GET',
      url: '/api/admin/events',
      headers: admin.headers,
      query: { limit: '500', ...(after ? { after } : {}) },
    });
    assert.equal(res.statusCode, 200, res.body);
    const page = res.json() as Json;
    all.push(...page.items);
    if (page.items.length < 500) break;
    after = page.nextCursor;
  }
  return type ? all.filter((e) => e.type === type) : all;
}
