import crypto from 'node:crypto';
import { Redis } from 'ioredis';
import type { SignalingLogger, SignalingSessionChange } from './signaling.ports.ts';
import type { SignalingParticipant } from './signaling.schemas.ts';
import type {
  ClaimOutcome,
  ClusterMessage,
  LostPresence,
  PendingDrop,
  PresenceClaim,
  PresenceRefresh,
  SignalingState,
  TicketGrant,
} from './signaling.state.ts';
import { ENDED_MEMORY_MS } from './memory-state.ts';
import { SCRIPTS, type ScriptCaller, type ScriptName } from './redis-scripts.ts';

/** The `refresh` script's codes for an entry no longer owned. */
const LOST_REASONS: Record<number, LostPresence['why']> = { 0: 'orphaned', 1: 'replaced', 2: 'ended' };

/**
 * `SignalingState` over Redis (`REDIS_URL`), for several instances behind a load balancer.
 *
 * Keys (all behind `keyPrefix`, empty by default so that they are exactly seed 003's):
 * - `session:ws:{sessionId}` hash userId → `{instanceId}:{connectionId}` (TTL `presenceTtlMs`,
 *   refreshed with the heartbeat) — who is connected, and on which instance;
 * - `session:heartbeat:{sessionId}:{userId}` string, last sign of life in epoch ms, TTL
 *   `heartbeatTtlMs`, refreshed on heartbeats and pongs and by the owner's sweep; once it is gone
 *   while the user is still in `session:ws:*`, the instance holding the socket is presumed dead
 *   and any survivor turns the entry into a drop (`claimOrphans`);
 * - `session:peers:{sessionId}` hash userId → JSON `SignalingParticipant` (`participant-list` across instances);
 * - `signaling:user:{userId}` hash sessionId → owner (the per-user socket cap);
 * - `signaling:sessions` set of session ids with presence (what `claimOrphans` walks);
 * - `signaling:instance:{instanceId}:alive` string, the instance's last refresh in epoch ms, TTL
 *   `instanceTtlMs`, refreshed by the instance every third of it on a wall-clock timer, and
 *   `signaling:instances` hash instanceId → last refresh: once the alive key is gone, the instance
 *   is dead and every one of its entries becomes a drop dated at its last refresh (issue 13);
 * - `signaling:drops` sorted set `{sessionId}\n{userId}` scored by drop time (reconnect windows);
 * - `signaling:ended:{sessionId}` end reason, for 10 minutes;
 * - `signaling:ticket:{sha256(ticket)}` JSON `TicketGrant`, for the ticket TTL (GETDEL: single use),
 *   and `signaling:user-tickets:{userId}` the set of a user's ticket digests (an erasure revokes them).
 *
 * Channels: `signaling:instance:{instanceId}` carries frames and kicks for that instance's
 * sockets (the sender looks the owner up in `session:ws:*` inside a Lua script, so routing and
 * publishing are one atomic round trip), `signaling:changes` carries session changes to every
 * instance, tagged with the sender's id so that it drops its own echo.
 *
 * Every command goes through one connection, so Redis applies them in call order; decisions
 * (claim, release, take a drop or a ticket, claim orphans) are Lua scripts, atomic across
 * instances. A standalone Redis (or a primary) is expected: the scripts compute key names, which
 * Redis Cluster does not allow.
 */
export interface RedisSignalingStateOptions {
  url: string;
  /** Prepended to every key and channel (tests use a random one). */
  keyPrefix: string;
  /** TTL of `session:heartbeat:*` (seed 003: 45 s). */
  heartbeatTtlMs: number;
  /** TTL of `session:ws:*` and the other presence keys (seed 003: 1800 s). */
  presenceTtlMs: number;
  /** TTL of this instance's liveness key (`SIGNALING_INSTANCE_TTL`, issue 13: 10 s). */
  instanceTtlMs: number;
  /** The service's clock (epoch ms, UTC): what a liveness refresh records, so drops share the clock of the reconnect windows. */
  nowMs: () => number;
  logger: SignalingLogger;
  /** How long `start` waits for Redis. */
  connectTimeoutMs?: number;
}

/** Refresh scripts carry at most this many entries (one round trip each). */
const REFRESH_BATCH = 500;

export class RedisSignalingState implements SignalingState {
  readonly instanceId = crypto.randomBytes(9).toString('base64url');
  readonly shared = true;
  readonly refreshIntervalMs: number;
  private readonly cmd: Redis;
  private readonly sub: Redis;
  private readonly prefix: string;
  private readonly instanceChannel: string;
  private readonly changesChannel: string;
  private started: Promise<void> | null = null;
  private instanceTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: RedisSignalingStateOptions) {
    this.prefix = options.keyPrefix;
    this.refreshIntervalMs = Math.max(1_000, Math.floor(options.heartbeatTtlMs / 3));
    const clientOptions = { maxRetriesPerRequest: 3, lazyConnect: true, connectionName: `signaling-${this.instanceId}` };
    this.cmd = new Redis(options.url, clientOptions);
    this.sub = new Redis(options.url, clientOptions);
    for (const [name, lua] of Object.entries(SCRIPTS)) this.cmd.defineCommand(name, { numberOfKeys: 0, lua });
    for (const client of [this.cmd, this.sub]) {
      client.on('error', (err: Error) => options.logger.warn({ err: { message: err.message } }, 'signaling: redis error'));
    }
    this.instanceChannel = `${this.prefix}signaling:instance:${this.instanceId}`;
    this.changesChannel = `${this.prefix}signaling:changes`;
  }

  start(onMessage: (message: ClusterMessage) => void): Promise<void> {
    this.started ??= this.connect(onMessage);
    return this.started;
  }

  private async connect(onMessage: (message: ClusterMessage) => void): Promise<void> {
    this.sub.on('message', (channel: string, payload: string) => {
      let message: ClusterMessage | null;
      try {
        message = channel === this.changesChannel ? this.decodeChange(payload) : decodeInstanceMessage(payload);
      } catch (err) {
        this.options.logger.error({ err, channel }, 'signaling: undecodable cluster message');
        return;
      }
      if (message) onMessage(message);
    });
    const timeoutMs = this.options.connectTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not answer within ${timeoutMs} ms (REDIS_URL)`)), timeoutMs);
    });
    try {
      await Promise.race([Promise.all([this.cmd.connect(), this.sub.connect()]).then(() => this.sub.subscribe(this.instanceChannel, this.changesChannel)), timeout]);
    } finally {
      clearTimeout(timer);
    }
    await this.refreshInstance();
    // Redis expires the key in wall-clock time, so the refresh runs on a real timer whatever clock
    // the service was given; a third of the TTL leaves two refreshes of slack for a busy event loop.
    this.instanceTimer = setInterval(() => {
      this.refreshInstance().catch((err: unknown) => this.options.logger.warn({ err }, 'signaling: instance liveness refresh failed'));
    }, Math.max(250, Math.floor(this.options.instanceTtlMs / 3)));
    this.instanceTimer.unref();
    this.options.logger.info({ instanceId: this.instanceId }, 'signaling: redis presence and fan-out ready');
  }

  /** Marks this instance alive for `instanceTtlMs` from now (the timer does it every third of the TTL). */
  async refreshInstance(): Promise<void> {
    await this.call('refreshInstance', this.instanceId, this.options.nowMs(), this.options.instanceTtlMs);
  }

  async stop(): Promise<void> {
    this.stopInstanceTimer();
    // A graceful stop released its sockets itself: nobody needs to watch this instance any more.
    if (this.cmd.status === 'ready') await this.call('forgetInstance', this.instanceId).catch(() => undefined);
    await Promise.all([this.cmd, this.sub].map((client) => quit(client)));
  }

  private stopInstanceTimer(): void {
    if (this.instanceTimer) clearInterval(this.instanceTimer);
    this.instanceTimer = null;
  }

  /**
   * Drops both Redis connections at once, without flushing anything: what a crash looks like to
   * Redis and to the other instances (tests use it to kill an instance).
   */
  kill(): void {
    this.stopInstanceTimer();
    this.cmd.disconnect(false);
    this.sub.disconnect(false);
  }

  async claim(c: PresenceClaim): Promise<ClaimOutcome> {
    const reply = (await this.call(
      'claim',
      c.sessionId,
      c.userId,
      c.owner,
      JSON.stringify(c.view),
      c.atMs,
      this.options.presenceTtlMs,
      this.options.heartbeatTtlMs,
      c.maxSocketsPerUser,
    )) as [string, ...unknown[]];
    if (reply[0] === 'ended') return { ok: false, refused: 'ended', endedReason: String(reply[1]) };
    if (reply[0] === 'cap') return { ok: false, refused: 'too-many-sockets' };
    const [, previous, dropped, flat] = reply as [string, string, string, string[]];
    const participants: SignalingParticipant[] = [];
    for (let i = 0; i < flat.length; i += 2) participants.push(JSON.parse(flat[i + 1]) as SignalingParticipant);
    return {
      ok: true,
      previousOwner: previous === '' ? null : previous,
      drop: dropped === '' ? null : { sessionId: c.sessionId, userId: c.userId, droppedAtMs: Number(dropped) },
      participants,
    };
  }

  async release(sessionId: string, userId: string, owner: string, droppedAtMs: number): Promise<boolean> {
    return (await this.call('release', sessionId, userId, owner, droppedAtMs)) === 1;
  }

  async evict(sessionId: string, userId: string): Promise<{ owner: string | null; drop: PendingDrop | null }> {
    const [owner, dropped] = (await this.call('evict', sessionId, userId)) as [string, string];
    return { owner: owner === '' ? null : owner, drop: dropped === '' ? null : { sessionId, userId, droppedAtMs: Number(dropped) } };
  }

  async updateView(sessionId: string, userId: string, owner: string, view: SignalingParticipant): Promise<void> {
    await this.call('updateView', sessionId, userId, owner, JSON.stringify(view));
  }

  async refresh(entries: PresenceRefresh[]): Promise<LostPresence[]> {
    const calls: Promise<LostPresence[]>[] = [];
    for (let i = 0; i < entries.length; i += REFRESH_BATCH) {
      const batch = entries.slice(i, i + REFRESH_BATCH);
      const args = batch.flatMap((e) => [e.sessionId, e.userId, e.owner, e.atMs]);
      const reply = this.call('refresh', this.options.presenceTtlMs, this.options.heartbeatTtlMs, ...args) as Promise<number[]>;
      calls.push(
        reply.then((flat) => {
          const lost: LostPresence[] = [];
          for (let j = 0; j < flat.length; j += 2) lost.push({ entry: batch[flat[j]!]!, why: LOST_REASONS[flat[j + 1]!] ?? 'orphaned' });
          return lost;
        }),
      );
    }
    return (await Promise.all(calls)).flat();
  }

  async takeDropsBefore(cutoffMs: number): Promise<PendingDrop[]> {
    const flat = (await this.call('takeDrops', cutoffMs)) as string[];
    const drops: PendingDrop[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      const [sessionId, userId] = splitMember(flat[i]);
      drops.push({ sessionId, userId, droppedAtMs: Number(flat[i + 1]) });
    }
    return drops;
  }

  async claimOrphans(nowMs: number): Promise<PendingDrop[]> {
    const flat = (await this.call('claimOrphans', this.instanceId, nowMs)) as string[];
    const drops: PendingDrop[] = [];
    for (let i = 0; i < flat.length; i += 3) drops.push({ sessionId: flat[i], userId: flat[i + 1], droppedAtMs: Number(flat[i + 2]) });
    return drops;
  }

  async endSession(sessionId: string, reason: string, _atMs: number): Promise<void> {
    await this.call('endSession', sessionId, reason, ENDED_MEMORY_MS);
  }

  async prune(_nowMs: number): Promise<void> {
    // Redis expires ended sessions and tickets on its own.
  }

  async putTicket(digest: string, grant: TicketGrant, ttlMs: number): Promise<void> {
    const px = Math.max(1, Math.ceil(ttlMs));
    const mine = `${this.prefix}signaling:user-tickets:${grant.userId}`;
    await this.cmd
      .multi()
      .set(`${this.prefix}signaling:ticket:${digest}`, JSON.stringify(grant), 'PX', px)
      .sadd(mine, digest)
      .pexpire(mine, px)
      .exec();
  }

  async revokeTicketsOf(userId: string): Promise<void> {
    const mine = `${this.prefix}signaling:user-tickets:${userId}`;
    const digests = await this.cmd.smembers(mine);
    await this.cmd.del(mine, ...digests.map((d) => `${this.prefix}signaling:ticket:${d}`));
  }

  async takeTicket(digest: string): Promise<TicketGrant | null> {
    const raw = await this.cmd.getdel(`${this.prefix}signaling:ticket:${digest}`);
    return raw === null ? null : (JSON.parse(raw) as TicketGrant);
  }

  async relay(sessionId: string, toUserId: string, frame: string): Promise<boolean> {
    const payload = encodeInstanceMessage({ kind: 'deliver', sessionId, toUserId, exceptUserId: null, frame });
    return Number(await this.call('relay', sessionId, toUserId, this.instanceId, payload)) > 0;
  }

  async broadcast(sessionId: string, frame: string, exceptUserId: string | null): Promise<void> {
    const payload = encodeInstanceMessage({ kind: 'deliver', sessionId, toUserId: null, exceptUserId, frame });
    await this.call('broadcast', sessionId, this.instanceId, payload);
  }

  async kick(sessionId: string, userId: string, owner: string, code: number, reason: string): Promise<void> {
    const instance = owner.slice(0, owner.lastIndexOf(':'));
    await this.cmd.publish(`${this.prefix}signaling:instance:${instance}`, encodeInstanceMessage({ kind: 'kick', sessionId, userId, owner, code, reason }));
  }

  async publishChange(change: SignalingSessionChange): Promise<void> {
    await this.cmd.publish(this.changesChannel, JSON.stringify({ origin: this.instanceId, change }));
  }

  private call(name: ScriptName, ...args: (string | number)[]): Promise<unknown> {
    return (this.cmd as unknown as Record<ScriptName, ScriptCaller>)[name](this.prefix, ...args);
  }

  private decodeChange(payload: string): ClusterMessage | null {
    const { origin, change } = JSON.parse(payload) as { origin: string; change: SignalingSessionChange };
    return origin === this.instanceId ? null : { kind: 'change', change };
  }
}

/** `deliver` and `kick` travel as one JSON header line, then the frame as is (never re-encoded). */
function encodeInstanceMessage(message: Exclude<ClusterMessage, { kind: 'change' }>): string {
  if (message.kind === 'kick') return JSON.stringify(message);
  const { frame, ...header } = message;
  return `${JSON.stringify(header)}\n${frame}`;
}

function decodeInstanceMessage(payload: string): ClusterMessage {
  const newline = payload.indexOf('\n');
  if (newline < 0) return JSON.parse(payload) as ClusterMessage;
  const header = JSON.parse(payload.slice(0, newline)) as Omit<Extract<ClusterMessage, { kind: 'deliver' }>, 'frame'>;
  return { ...header, frame: payload.slice(newline + 1) };
}

/** `{sessionId}\n{userId}` (session ids never contain a newline). */
function splitMember(member: string): [string, string] {
  const i = member.indexOf('\n');
  return [member.slice(0, i), member.slice(i + 1)];
}

/** QUIT (pending replies arrive first), or a hard disconnect if Redis does not answer. */
async function quit(client: Redis): Promise<void> {
  if (client.status === 'end' || client.status === 'wait') {
    client.disconnect(false);
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([client.quit(), new Promise((resolve) => (timer = setTimeout(resolve, 2_000)))]);
  } catch {
    // already closed
  } finally {
    clearTimeout(timer);
    client.disconnect(false);
  }
}
