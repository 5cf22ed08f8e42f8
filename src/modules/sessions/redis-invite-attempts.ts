import crypto from 'node:crypto';
import { Redis } from 'ioredis';
import type { Executor } from '../../db/client.ts';
import { type AttemptCharge, type AttemptWindow, type InviteAttemptStore } from './invite-attempts.ts';

/**
 * Checks every window (a sorted set per key, scored by time), then counts the attempt in all of
 * them, or in none: one script, so attempts on every instance are counted in one order.
 * KEYS: the windows' sets. ARGV: now, member, then (max, windowMs) per key.
 * Returns {1, 0} when counted, {0, retryAfterMs} when refused.
 */
const CHARGE = `
local now, member = tonumber(ARGV[1]), ARGV[2]
local wait = 0
for i, key in ipairs(KEYS) do
  local max, window = tonumber(ARGV[1 + 2 * i]), tonumber(ARGV[2 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  if redis.call('ZCARD', key) >= max then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    local w = tonumber(oldest[2]) + window - now
    if w > wait then wait = w end
  end
end
if wait > 0 then return {0, wait} end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, member)
  redis.call('PEXPIRE', key, tonumber(ARGV[2 + 2 * i]))
end
return {1, 0}
`;

/**
 * Invite-code attempts in Redis (`REDIS_URL`): `{prefix}invite:attempts:{key}` sorted sets, the
 * member an attempt id, the score its time (ms). Keys expire with their window.
 */
export class RedisInviteAttempts implements InviteAttemptStore {
  private readonly redis: Redis;
  /** Refund needs the keys an attempt was counted under: id → keys. */
  private readonly charged = new Map<string, string[]>();

  constructor(url: string, private readonly prefix: string) {
    this.redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3, connectionName: 'invite-attempts' });
    this.redis.on('error', () => undefined); // reported by the calls that fail
    this.redis.defineCommand('chargeAttempt', { lua: CHARGE });
  }

  async charge(windows: readonly AttemptWindow[], nowMs: number): Promise<AttemptCharge> {
    const id = crypto.randomUUID();
    const keys = windows.map((w) => this.keyOf(w.key));
    const args = [nowMs, id, ...windows.flatMap((w) => [w.max, w.windowMs])];
    const [counted, waitMs] = (await (this.redis as unknown as { chargeAttempt(n: number, ...a: (string | number)[]): Promise<[number, number]> }).chargeAttempt(
      keys.length,
      ...keys,
      ...args,
    )) as [number, number];
    if (counted !== 1) return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    this.charged.set(id, keys);
    setTimeout(() => this.charged.delete(id), 60_000).unref();
    return { ok: true, ids: [id] };
  }

  async refund(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const keys = this.charged.get(id);
      this.charged.delete(id);
      if (keys) await Promise.all(keys.map((k) => this.redis.zrem(k, id)));
    }
  }

  async prune(_olderThanMs: number): Promise<number> {
    return 0; // the script trims each set as it goes, and keys expire with their window
  }

  /** Erasure: the key's set goes once the erasure committed. */
  async forget(_tx: Executor, key: string): Promise<() => Promise<void>> {
    return async () => void (await this.redis.del(this.keyOf(key)));
  }

  async stop(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private keyOf(key: string): string {
    return `${this.prefix}invite:attempts:${key}`;
  }
}
