import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';

/** The signaling settings of issue 4 (`SIGNALING_*`, `REDIS_KEY_PREFIX`), validated at start-up. */
describe('signaling settings', () => {
  const load = (env: Record<string, string>) => loadConfig({ DATA_DIR: '/tmp/cs-config-test', ...env });
  const problems = (env: Record<string, string>): string[] => {
    try {
      load(env);
      return [];
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      return err.problems;
    }
  };

  test('defaults: seed 003 TTLs, 4 sockets per user, 30 s tickets', () => {
    assert.deepEqual(load({}).signaling, {
      maxSocketsPerUser: 4,
      ticketTtlMs: 30_000,
      ticketsPerMinute: 60,
      messageBurst: 500,
      messagesPerSecond: 100,
      redisKeyPrefix: '',
      heartbeatTtlMs: 45_000,
      instanceTtlMs: 10_000,
      presenceTtlMs: 1_800_000,
    });
  });

  test('bad values are listed together', () => {
    assert.deepEqual(
      problems({ SIGNALING_MAX_SOCKETS_PER_USER: '0', SIGNALING_TICKET_TTL: '1h', SIGNALING_PRESENCE_TTL: '10s' }),
      [
        'SIGNALING_MAX_SOCKETS_PER_USER: "0" must be an integer between 1 and 1000',
        'SIGNALING_TICKET_TTL: must be between 1s and 10m',
        'SIGNALING_PRESENCE_TTL: must be at least SIGNALING_HEARTBEAT_TTL',
      ],
    );
  });

  test('with Redis, the heartbeat TTL must outlast JOBS_INTERVAL (each sweep refreshes the keys of live sockets)', () => {
    assert.deepEqual(problems({ REDIS_URL: 'redis://127.0.0.1:6379', SIGNALING_HEARTBEAT_TTL: '5s' }), ['SIGNALING_HEARTBEAT_TTL: must be longer than JOBS_INTERVAL']);
    assert.deepEqual(problems({ REDIS_URL: 'redis://127.0.0.1:6379', SIGNALING_HEARTBEAT_TTL: '2s', JOBS_INTERVAL: '1s' }), []);
    assert.deepEqual(problems({ SIGNALING_HEARTBEAT_TTL: '5s' }), [], 'unused without Redis');
  });
});
