import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { presenceSeconds } from '../../src/modules/live-courses/attendance.ts';
import { phaseOf, transition } from '../../src/modules/live-courses/lifecycle.ts';
import { plannedReminders, reminderStillUseful } from '../../src/modules/live-courses/reminders.ts';
import { jitsiRoomName, randomRoomPart, roomSlug } from '../../src/modules/live-courses/room-name.ts';
import { weeklyStarts } from '../../src/modules/live-courses/series.ts';
import { attendanceOfEventSync, bearerMatches, jaasSignature, verifyJaasSignature } from '../../src/modules/live-courses/webhooks.ts';
import { redactUrlSecrets } from '../../src/shared/logger.ts';

const at = (iso: string) => new Date(iso);

/** Pure rules of the live-courses module (seed 004), with their edge cases. */
describe('live courses: pure rules', () => {
  test('weekly series: wall-clock time kept across DST, a non-existent local time moves forward, until inclusive, at most 52', () => {
    // 02:30 Paris does not exist on 29 March 2026 (clocks jump 02:00 → 03:00).
    const starts = weeklyStarts(at('2026-03-22T01:30:00Z'), 'Europe/Paris', { count: 3 });
    assert.deepEqual(starts.map((d) => d.toISOString()), ['2026-03-22T01:30:00.000Z', '2026-03-29T01:30:00.000Z', '2026-04-05T00:30:00.000Z']);
    const autumn = weeklyStarts(at('2026-10-20T08:00:00Z'), 'America/New_York', { until: '2026-11-10' });
    assert.deepEqual(autumn.map((d) => d.toISOString()), ['2026-10-20T08:00:00.000Z', '2026-10-27T08:00:00.000Z', '2026-11-03T09:00:00.000Z', '2026-11-10T09:00:00.000Z']);
    assert.equal(weeklyStarts(at('2026-01-01T10:00:00Z'), 'UTC', { count: 500 }).length, 52);
    assert.equal(weeklyStarts(at('2026-01-01T10:00:00Z'), 'UTC', { count: 5, until: '2026-01-15' }).length, 3);
  });

  test('presence: closed and open intervals, nothing past `until`, overlaps counted once', () => {
    const i = (a: string, b: string | null) => ({ joinedAt: at(`2026-01-01T10:${a}Z`), leftAt: b ? at(`2026-01-01T10:${b}Z`) : null });
    assert.equal(presenceSeconds([i('00:00', '10:00'), i('15:00', null)], at('2026-01-01T10:25:00Z')), 20 * 60);
    assert.equal(presenceSeconds([i('00:00', '30:00')], at('2026-01-01T10:20:00Z')), 20 * 60);
    assert.equal(presenceSeconds([i('00:00', '10:00'), i('05:00', '12:00')], at('2026-01-01T11:00:00Z')), 12 * 60);
    assert.equal(presenceSeconds([], at('2026-01-01T11:00:00Z')), 0);
  });

  test('transitions: scheduled → live → ended, scheduled → cancelled; anything else refused', () => {
    assert.equal(transition('scheduled', 'start'), 'live');
    assert.equal(transition('live', 'end'), 'ended');
    assert.equal(transition('scheduled', 'cancel'), 'cancelled');
    for (const [from, action] of [['live', 'start'], ['ended', 'start'], ['cancelled', 'start'], ['scheduled', 'end'], ['ended', 'end'], ['live', 'cancel'], ['ended', 'cancel']] as const) {
      assert.throws(() => transition(from, action), { code: 'INVALID_SESSION_STATE' }, `${from} ${action}`);
    }
    assert.equal(phaseOf({ status: 'scheduled', endAt: at('2026-01-01T11:00:00Z') }, at('2026-01-01T11:00:00Z')), 'past');
    assert.equal(phaseOf({ status: 'scheduled', endAt: at('2026-01-01T11:00:01Z') }, at('2026-01-01T11:00:00Z')), 'upcoming');
  });

  test('reminders: only those still ahead are planned; a stale first reminder gives way to the last', () => {
    const offsets = { firstReminderMs: 24 * 3_600_000, lastReminderMs: 3_600_000 };
    const start = at('2026-01-02T10:00:00Z');
    assert.deepEqual(plannedReminders(start, at('2026-01-01T09:00:00Z'), offsets).map((r) => [r.kind, r.dueAt.toISOString()]), [
      ['first', '2026-01-01T10:00:00.000Z'],
      ['last', '2026-01-02T09:00:00.000Z'],
    ]);
    assert.deepEqual(plannedReminders(start, at('2026-01-02T09:30:00Z'), offsets), []);
    const s = { status: 'scheduled', startAt: start };
    assert.equal(reminderStillUseful('first', s, at('2026-01-01T10:00:00Z'), offsets), true);
    assert.equal(reminderStillUseful('first', s, at('2026-01-02T09:00:00Z'), offsets), false);
    assert.equal(reminderStillUseful('last', s, at('2026-01-02T09:59:00Z'), offsets), true);
    assert.equal(reminderStillUseful('last', { ...s, status: 'live' }, at('2026-01-02T09:30:00Z'), offsets), false);
    assert.equal(reminderStillUseful('last', s, start, offsets), false);
  });

  test('room names: pattern, characters, crypto randomness', () => {
    assert.equal(jitsiRoomName('mdsc', '123', 1, 'abcdefghij12'), 'mdsc-course-123-session-1-abcdefghij12');
    assert.equal(roomSlug('  Ça_va / Été!! '), 'a-va-t');
    assert.match(jitsiRoomName('live', 'x'.repeat(80), 7), /^live-course-x{40}-session-7-[a-z0-9]{12}$/);
    const parts = new Set(Array.from({ length: 1000 }, () => randomRoomPart()));
    assert.equal(parts.size, 1000);
    for (const p of parts) assert.match(p, /^[a-z0-9]{12}$/);
  });

  test('JaaS signatures: v1 over "t.body", tolerance, several v1, constant-time compare; event_sync bearer', () => {
    const now = Date.parse('2026-01-01T10:00:00Z');
    const body = '{"eventType":"PARTICIPANT_JOINED"}';
    const header = jaasSignature(body, 'secret-of-16-bytes', now);
    assert.match(header, /^t=1767261600,v1=[A-Za-z0-9+/]+=*$/);
    assert.equal(verifyJaasSignature(header, body, 'secret-of-16-bytes', now + 299_000), true);
    assert.equal(verifyJaasSignature(header, body, 'secret-of-16-bytes', now + 301_000), false);
    assert.equal(verifyJaasSignature(header, `${body} `, 'secret-of-16-bytes', now), false);
    assert.equal(verifyJaasSignature(`${header.replace(/v1=/, 'v1=AAAA,v1=')}`, body, 'secret-of-16-bytes', now), true);
    assert.equal(verifyJaasSignature('t=1767261600', body, 'secret-of-16-bytes', now), false);
    assert.equal(verifyJaasSignature(undefined, body, 'secret-of-16-bytes', now), false);
    assert.equal(bearerMatches('Bearer s3cret', 's3cret'), true);
    assert.equal(bearerMatches('Bearer s3cre', 's3cret'), false);
    assert.equal(bearerMatches(undefined, 's3cret'), false);
    const occupant = { event_name: 'muc-occupant-left', room_name: 'Room-A', occupant: { id: 'u1', name: 'Ann', joined_at: 100, left_at: 160 } };
    const report = attendanceOfEventSync(occupant, JSON.stringify(occupant));
    assert.deepEqual({ ...report, key: undefined }, { key: undefined, room: 'room-a', userId: 'u1', displayName: 'Ann', kind: 'left', at: new Date(160_000) });
    assert.equal(attendanceOfEventSync({ ...occupant, occupant: { name: 'anonymous', joined_at: 1, left_at: 2 } }, '{}'), null);
  });

  test('feed secrets are redacted from logged URLs, encoded or not', () => {
    assert.equal(redactUrlSecrets('/calendar/abcDEF123_-xyz.ics'), '/calendar/[REDACTED]');
    assert.equal(redactUrlSecrets('/%63alendar/abc.ics?x=1'), '/calendar/[REDACTED]?x=1');
    assert.equal(redactUrlSecrets('/api/calendar/feed'), '/api/calendar/feed');
    assert.equal(redactUrlSecrets('/ws/signaling?token=abc&sessionId=1'), '/ws/signaling?token=[REDACTED]&sessionId=1');
  });
});
