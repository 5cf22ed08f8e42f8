import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import type { TestApp, TestUser } from '../helpers/harness.ts';
import type { TestSocket } from '../helpers/ws-client.ts';

/**
 * A heartbeat round trip. Frames of one socket are handled in order, so once the ack is back the
 * server has handled everything this client sent before, and everything the server sent to it
 * before handling the heartbeat has arrived. It also stamps a sign of life at the clock's time.
 */
export async function alive(socket: TestSocket): Promise<void> {
  socket.send({ type: 'heartbeat' });
  await socket.next('heartbeat-ack');
}

/**
 * Asserts that no frame of `type` reached `socket`. Whatever the server did before this call (a
 * sweep, a relay, a broadcast) sent its frames synchronously, so they are ahead of the ack.
 */
export async function assertNothing(socket: TestSocket, type: string): Promise<void> {
  await alive(socket);
  assert.ok(socket.hasNo(type), `unexpected "${type}" frame: ${JSON.stringify(socket.messages.filter((m) => m.type === type))}`);
}

/**
 * Waits for a condition that depends on network events reaching the server (e.g. a client-side
 * close being processed there). Polls every 5 ms; fails after `timeoutMs`.
 */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The result of a raw connection attempt: frames received before the close, and the close. */
export interface RawOutcome {
  frames: unknown[];
  code: number;
  reason: string;
}

/** Opens `url` with a bare `ws` client and records frames until the server closes it. */
export function openUntilClosed(url: string): Promise<RawOutcome> {
  return new Promise((resolve, reject) => {
    const frames: unknown[] = [];
    const ws = new WebSocket(url);
    ws.on('message', (data) => frames.push(JSON.parse(String(data))));
    ws.on('error', reject);
    ws.on('close', (code, reason) => resolve({ frames, code, reason: String(reason) }));
  });
}

/** `ws://…/ws/signaling` with the given raw query string. */
export function signalingUrl(baseUrl: string, query: string): string {
  return `${baseUrl.replace(/^http/, 'ws')}/ws/signaling${query ? `?${query}` : ''}`;
}

/**
 * A private session (seed 002) created by the first name and joined by the others with its invite
 * code: open for signaling at once, without moving the clock.
 */
export async function privateSession(t: TestApp, names: string[]): Promise<{ sessionId: string; users: TestUser[] }> {
  const users: TestUser[] = [];
  for (const name of names) users.push(await t.user(name));
  const [host, ...others] = users;
  const created = await t.app.inject({ method: 'POST', url: '/api/sessions', headers: host.headers, payload: { type: 'private', targetLanguageCode: 'fr' } });
  assert.equal(created.statusCode, 201, created.body);
  const { id, inviteCode } = created.json() as { id: string; inviteCode: string };
  for (const u of others) {
    const joined = await t.app.inject({ method: 'POST', url: '/api/sessions/join', headers: u.headers, payload: { inviteCode } });
    assert.equal(joined.statusCode, 201, joined.body);
  }
  return { sessionId: id, users };
}

/** The ids of a `participant-list` frame's participants, sorted. */
export function listedIds(list: Record<string, unknown>): string[] {
  return (list.participants as { userId: string }[]).map((p) => p.userId).sort();
}

/**
 * The socket surface `SignalingService.connect` uses, recording what the service did with it:
 * `sent` frames, and in `events` every frame's type, ping and cork/uncork of `transport` in order.
 */
export class StandInSocket extends EventEmitter {
  readyState = 1;
  readonly sent: string[] = [];
  readonly events: string[] = [];
  closedWith: { code?: number; reason?: string } | null = null;
  /** Stands in for the socket's `net.Socket` (third argument of `connect`). */
  readonly transport = {
    destroyed: false,
    cork: () => void this.events.push('cork'),
    uncork: () => void this.events.push('uncork'),
  };
  send(frame: string): void {
    this.sent.push(frame);
    this.events.push(`send ${(JSON.parse(frame) as { type: string }).type}`);
  }
  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
    this.readyState = 3;
  }
  terminate(): void {
    this.readyState = 3;
  }
  ping(): void {
    this.events.push('ping');
  }
  /** Delivers a client frame to the service, as `ws` would. */
  receive(message: Record<string, unknown>): void {
    this.emit('message', Buffer.from(JSON.stringify(message)), false);
  }
}
