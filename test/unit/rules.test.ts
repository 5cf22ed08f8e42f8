import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { groupSizes } from '../../src/modules/matchmaking/grouping.ts';
import { localTimeOf, occurrencesBetween } from '../../src/modules/slots/slot-generation.ts';
import { ManualClock, systemClock } from '../../src/shared/clock.ts';
import { formatDuration, parseDuration } from '../../src/shared/duration.ts';

describe('durations (DESIGN 4.5)', () => {
  test('parses the documented forms', () => {
    assert.equal(parseDuration('90s'), 90_000);
    assert.equal(parseDuration('5m'), 300_000);
    assert.equal(parseDuration('30d'), 30 * 86_400_000);
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('1.5h'), 5_400_000);
  });
  test('refuses garbage', () => {
    for (const bad of ['', '5', 'm5', '-5m', '5 minutes', '5y']) assert.equal(parseDuration(bad), null, bad);
  });
  test('formats back', () => {
    assert.equal(formatDuration(300_000), '5m');
    assert.equal(formatDuration(90_000), '90s');
  });
});

describe('configuration', () => {
  test('defaults are the seeds\' values', () => {
    const c = loadConfig({});
    assert.equal(c.server.port, 3000);
    assert.equal(c.rules.registrationCutoffMs, 5 * 60_000);
    assert.equal(c.rules.cancellationCutoffMs, 15 * 60_000);
    assert.equal(c.rules.joinWindowMs, 5 * 60_000);
    assert.equal(c.rules.startGraceMs, 5 * 60_000);
    assert.equal(c.rules.reconnectWindowMs, 30_000);
    assert.equal(c.rules.heartbeatTimeoutMs, 30_000);
    assert.equal(c.rules.privateSessionTimeoutMs, 30 * 60_000);
    assert.equal(c.rules.orphanTimeoutMs, 5 * 60_000);
    assert.equal(c.rules.recordingRetentionMs, 30 * 86_400_000);
    assert.equal(c.rules.slotHorizonMs, 7 * 86_400_000);
    assert.equal(c.server.jobsIntervalMs, 5_000);
  });
  test('lists every bad key at once', () => {
    try {
      loadConfig({ PORT: 'abc', RULES_JOIN_WINDOW: 'soon', DATABASE_URL: 'mysql://x', JWT_SECRET: 'short', ALLOWED_ORIGINS: 'nope' });
      assert.fail('expected ConfigError');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      const text = err.problems.join('\n');
      for (const key of ['PORT', 'RULES_JOIN_WINDOW', 'DATABASE_URL', 'JWT_SECRET', 'ALLOWED_ORIGINS']) assert.match(text, new RegExp(key));
    }
  });
  test('production without a secret is refused', () => {
    assert.throws(() => loadConfig({ NODE_ENV: 'production' }), /JWT_SECRET/);
  });
  test('production with only the auth-service key set is accepted; a key set URL must be http(s)', () => {
    const c = loadConfig({ NODE_ENV: 'production', AUTH_JWKS_URL: 'https://auth.example.com/.well-known/jwks.json' });
    assert.equal(c.auth.jwksUrl, 'https://auth.example.com/.well-known/jwks.json');
    assert.equal(c.auth.jwtSecret, null);
    assert.throws(() => loadConfig({ AUTH_JWKS_URL: 'ftp://auth.example.com/jwks.json' }), /AUTH_JWKS_URL/);
  });
});

describe('recurring slots keep their local time (seed 000 §2.1)', () => {
  test('a 19:00 Paris daily slot stays 19:00 local across the October DST change', () => {
    const first = new Date('2026-10-23T17:00:00Z'); // 19:00 CEST
    const starts = occurrencesBetween({ firstStartTime: first, timeZone: 'Europe/Paris', recurrence: 'daily' }, first, new Date('2026-10-28T23:00:00Z'));
    assert.equal(starts.length, 6);
    for (const s of starts) assert.equal(localTimeOf(s, 'Europe/Paris'), '19:00');
    assert.equal(starts[2].toISOString(), '2026-10-25T18:00:00.000Z'); // 19:00 CET after the change
    assert.equal(starts[1].toISOString(), '2026-10-24T17:00:00.000Z');
  });
  test('weekly repeats on the same weekday', () => {
    const first = new Date('2026-03-23T18:30:00Z'); // Monday 19:30 CET
    const starts = occurrencesBetween({ firstStartTime: first, timeZone: 'Europe/Paris', recurrence: 'weekly' }, first, new Date('2026-04-14T00:00:00Z'));
    assert.deepEqual(starts.map((s) => s.toISOString()), ['2026-03-23T18:30:00.000Z', '2026-03-30T17:30:00.000Z', '2026-04-06T17:30:00.000Z', '2026-04-13T17:30:00.000Z']);
  });
  test('windows in the middle of a long series', () => {
    const first = new Date('2025-01-01T08:00:00Z');
    const starts = occurrencesBetween({ firstStartTime: first, timeZone: 'UTC', recurrence: 'daily' }, new Date('2026-06-10T09:00:00Z'), new Date('2026-06-12T08:00:00Z'));
    assert.deepEqual(starts.map((s) => s.toISOString()), ['2026-06-11T08:00:00.000Z', '2026-06-12T08:00:00.000Z']);
  });
  test('once yields its start only inside the window', () => {
    const first = new Date('2026-06-10T09:00:00Z');
    assert.equal(occurrencesBetween({ firstStartTime: first, timeZone: 'UTC', recurrence: 'once' }, first, first).length, 1);
    assert.equal(occurrencesBetween({ firstStartTime: first, timeZone: 'UTC', recurrence: 'once' }, new Date('2026-06-11T00:00:00Z'), new Date('2026-06-12T00:00:00Z')).length, 0);
  });
});

describe('matchmaking groups (seed 000 §5.2)', () => {
  const sizes = (n: number, min = 2) => groupSizes(n, { minSize: min, maxSize: 8 });
  test('balanced sizes of at most 8, larger first', () => {
    assert.deepEqual(sizes(10), [5, 5]);
    assert.deepEqual(sizes(8), [8]);
    assert.deepEqual(sizes(9), [5, 4]);
    assert.deepEqual(sizes(17), [6, 6, 5]);
    assert.deepEqual(sizes(24), [8, 8, 8]);
    assert.deepEqual(sizes(2), [2]);
  });
  test('a lone registrant, or fewer than the minimum, gets no session', () => {
    assert.deepEqual(sizes(1), []);
    assert.deepEqual(sizes(0), []);
    assert.deepEqual(sizes(3, 4), []);
    assert.deepEqual(sizes(1, 1), [], 'a session needs two people whatever the slot says');
  });
  test('every member is placed exactly once for any n', () => {
    for (let n = 2; n <= 100; n++) {
      const groups = sizes(n);
      assert.equal(groups.reduce((a, b) => a + b, 0), n);
      const min = Math.min(...groups);
      const max = Math.max(...groups);
      assert.ok(max <= 8 && min >= 2 && max - min <= 1, `n=${n}`);
    }
  });
});

describe('clocks', () => {
  test('nowMs is the instant now() returns, as epoch ms, on both clocks', () => {
    const manual = new ManualClock('2026-03-29T00:30:00Z');
    assert.equal(manual.nowMs(), Date.parse('2026-03-29T00:30:00Z'));
    manual.advance(90_000);
    assert.equal(manual.nowMs(), manual.now().getTime());
    assert.equal(manual.nowMs(), Date.parse('2026-03-29T00:31:30Z'));
    const before = Date.now();
    const wall = systemClock.nowMs();
    assert.ok(wall >= before && wall <= Date.now());
  });
});
