import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import ICAL from 'ical.js';
import { createTestApp, type TestApp, type TestUser } from '../helpers/harness.ts';
import { createCourse, get, post } from './support.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A feed parsed back with ical.js (a second library, not the one that wrote it): its VTIMEZONEs registered first. */
function parseFeed(text: string) {
  const cal = new ICAL.Component(ICAL.parse(text));
  for (const tz of cal.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(tz);
  return cal.getAllSubcomponents('vevent').map((v) => {
    const e = new ICAL.Event(v);
    return {
      uid: e.uid,
      summary: e.summary,
      description: e.description,
      sequence: e.sequence,
      status: v.getFirstPropertyValue('status') as string | null,
      url: v.getFirstPropertyValue('url') as string | null,
      tzid: e.startDate.zone?.tzid,
      local: e.startDate.toString(),
      localEnd: e.endDate.toString(),
      utc: e.startDate.toJSDate().toISOString(),
    };
  });
}

/**
 * The calendar (seed 004 "Synchronisation Calendrier", DESIGN 4.9): `GET /api/calendar/events`
 * with live sessions and booked conversation slots, and the secret iCal feed a calendar app
 * subscribes to (RFC 5545, parsed back with ical.js): stable UIDs, SEQUENCE bumped on change,
 * STATUS:CANCELLED, TZIDs keeping local times across a DST change, a join link; no auth header,
 * HEAD, ETag, rotation, and the secret never logged.
 */
describe('calendar: events and the iCal feed', () => {
  const logs: string[] = [];
  let t: TestApp;
  let baseUrl: string;
  before(async () => {
    const logTo = new Writable({ write: (chunk, _enc, done) => (logs.push(String(chunk)), done()) });
    t = await createTestApp({ clock: undefined, logTo });
    t.clock.set('2026-03-10T08:00:00Z');
    baseUrl = await t.listen();
  });
  after(() => t.close());

  async function scene() {
    const cast = await createCourse(t, { timeZone: 'Europe/Paris' });
    const series = await post(t, cast.instructor, `/api/courses/${cast.courseId}/live-sessions`, {
      title: 'Cours',
      description: 'Weekly class',
      startAt: '2026-03-24T09:00:00Z', // Tuesday 10:00 Paris, before the change on 29 March
      endAt: '2026-03-24T10:00:00Z',
      series: { weekly: true, count: 2 },
    });
    assert.equal(series.statusCode, 201, series.body);
    const [before, afterDst] = series.json().items as Json[];
    // A booked conversation slot, in New York time.
    const admin = await t.user('Slots Admin', { admin: true });
    const slot = await post(t, admin, '/api/slots', { targetLanguageCode: 'es', level: 'B1', startTime: '2026-03-12T23:00:00Z', durationMinutes: 30, timeZone: 'America/New_York' });
    assert.equal(slot.statusCode, 201, slot.body);
    const reg = await post(t, cast.student, `/api/slots/${slot.json().id}/registrations`);
    assert.equal(reg.statusCode, 201, reg.body);
    return { cast, before: before!, afterDst: afterDst!, slotId: slot.json().id as string, registrationId: reg.json().id as string };
  }
  /** Over real HTTP: the address is built from the Host the request was sent to. */
  const feedUrl = async (u: TestUser, method = 'GET', path = '/api/calendar/feed') => {
    const res = await fetch(`${baseUrl}${path}`, { method, headers: u.headers });
    assert.equal(res.status, 200);
    return (await res.json()) as { url: string; webcalUrl: string };
  };

  test('GET /api/calendar/events: my live sessions and booked slots, typed, in the range', async () => {
    const { cast, before, afterDst, registrationId } = await scene();
    const res = await get(t, cast.student, '/api/calendar/events?start=2026-03-01&end=2026-03-31');
    assert.equal(res.statusCode, 200, res.body);
    const items = res.json().items as Json[];
    assert.deepEqual(items.map((i) => [i.type, i.id, i.start, i.status]), [
      ['conversation_slot', registrationId, '2026-03-12T23:00:00.000Z', 'registered'],
      ['live_session', before.id, '2026-03-24T09:00:00.000Z', 'scheduled'],
      ['live_session', afterDst.id, '2026-03-31T08:00:00.000Z', 'scheduled'],
    ]);
    assert.equal(items[1]!.title, `Governance ${cast.courseId.replace('course-', '')}: Cours`);
    assert.equal(items[1]!.url, `/#/live-sessions/${before.id}`);
    assert.equal(items[1]!.timeZone, 'Europe/Paris');
    assert.equal(items[0]!.timeZone, 'America/New_York');
    // The end day is included; a shorter range leaves items out; the instructor sees the sessions only.
    assert.equal((await get(t, cast.student, '/api/calendar/events?start=2026-03-25&end=2026-03-31')).json().items.length, 1);
    assert.deepEqual((await get(t, cast.instructor, '/api/calendar/events?start=2026-03-01T00:00:00Z&end=2026-04-01T00:00:00Z')).json().items.map((i: Json) => i.type), ['live_session', 'live_session']);
    assert.deepEqual((await get(t, cast.other, '/api/calendar/events?start=2026-03-01&end=2026-03-31')).json().items, []);
    for (const q of ['start=2026-03-31&end=2026-03-01', 'start=2026-01-01&end=2027-12-31', 'start=march&end=april']) {
      assert.equal((await get(t, cast.student, `/api/calendar/events?${q}`)).statusCode, 400, q);
    }
    assert.equal((await get(t, null, '/api/calendar/events?start=2026-03-01&end=2026-03-31')).statusCode, 401);
  });

  test('the feed: RFC 5545 parsed back by ical.js, local times across DST, stable UIDs, SEQUENCE, cancellations', async () => {
    const { cast, before, afterDst, slotId, registrationId } = await scene();
    const feed = await feedUrl(cast.student);
    assert.match(feed.url, new RegExp(`^${baseUrl}/calendar/[A-Za-z0-9_-]{43}\\.ics$`));
    assert.equal(feed.webcalUrl, feed.url.replace(/^http:/, 'webcal:'));
    assert.deepEqual(await feedUrl(cast.student), feed, 'the same address on every visit');

    const res = await fetch(feed.url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/calendar; charset=utf-8');
    const text = await res.text();
    assert.match(text, /^BEGIN:VCALENDAR\r\nVERSION:2\.0\r\n/);
    assert.match(text, /BEGIN:VTIMEZONE\r\nTZID:Europe\/Paris/);
    let events = parseFeed(text);
    const byUid = (uid: string) => events.find((e) => e.uid === uid)!;
    const first = byUid(`live-session-${before.id}@conversation-service`);
    const second = byUid(`live-session-${afterDst.id}@conversation-service`);
    assert.equal(first.tzid, 'Europe/Paris');
    assert.equal(first.local, '2026-03-24T10:00:00');
    assert.equal(second.local, '2026-03-31T10:00:00', '10:00 local after the change too');
    assert.equal(first.utc, '2026-03-24T09:00:00.000Z');
    assert.equal(second.utc, '2026-03-31T08:00:00.000Z');
    assert.equal(first.localEnd, '2026-03-24T11:00:00');
    assert.equal(first.status, 'CONFIRMED');
    assert.equal(first.sequence, 0);
    assert.equal(first.url, `${baseUrl}/#/live-sessions/${before.id}`);
    assert.ok(first.description.includes(`Join: ${baseUrl}/#/live-sessions/${before.id}`));
    const slot = byUid(`registration-${registrationId}@conversation-service`);
    assert.equal(slot.tzid, 'America/New_York');
    assert.equal(slot.local, '2026-03-12T19:00:00');
    assert.equal(slot.summary, 'Conversation practice (es, B1)');
    assert.ok(slotId);

    // Changes: the moved session keeps its UID with a higher SEQUENCE; the cancelled one is marked.
    const moved = await t.app.inject({ method: 'PATCH', url: `/api/live-sessions/${before.id}`, headers: cast.instructor.headers, payload: { startAt: '2026-03-24T08:30:00Z' } });
    assert.equal(moved.statusCode, 200, moved.body);
    await post(t, cast.instructor, `/api/live-sessions/${afterDst.id}/cancel`, { reason: 'Public holiday' });
    await t.app.inject({ method: 'DELETE', url: `/api/registrations/${registrationId}`, headers: cast.student.headers });
    events = parseFeed(await (await fetch(feed.url)).text());
    assert.equal(byUid(`live-session-${before.id}@conversation-service`).sequence, 1);
    assert.equal(byUid(`live-session-${before.id}@conversation-service`).local, '2026-03-24T09:30:00');
    const cancelled = byUid(`live-session-${afterDst.id}@conversation-service`);
    assert.equal(cancelled.status, 'CANCELLED');
    assert.equal(cancelled.sequence, 1);
    assert.ok(cancelled.description.includes('Public holiday'));
    assert.equal(byUid(`registration-${registrationId}@conversation-service`).status, 'CANCELLED');
  });

  test('HEAD, ETag and 304, no auth header needed; unknown and rotated secrets 404; the secret is never logged', async () => {
    const { cast } = await scene();
    const feed = await feedUrl(cast.student);
    const head = await fetch(feed.url, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-type'), 'text/calendar; charset=utf-8');
    const etag = head.headers.get('etag')!;
    assert.ok(etag);
    assert.equal((await fetch(feed.url, { headers: { 'if-none-match': etag } })).status, 304);
    const rotated = await feedUrl(cast.student, 'POST', '/api/calendar/feed/rotate');
    assert.notEqual(rotated.url, feed.url);
    assert.equal((await fetch(feed.url)).status, 404);
    assert.equal((await fetch(rotated.url)).status, 200);
    assert.equal((await fetch(`${baseUrl}/calendar/${'A'.repeat(43)}.ics`)).status, 404);
    assert.equal((await fetch(`${baseUrl}/calendar/short.ics`)).status, 400);
    assert.equal((await get(t, null, '/api/calendar/feed')).statusCode, 401);
    const secret = (url: string) => url.split('/calendar/')[1]!.replace('.ics', '');
    const all = logs.join('');
    assert.ok(all.includes('/calendar/[REDACTED]'), 'feed requests are logged, redacted');
    for (const s of [secret(feed.url), secret(rotated.url)]) assert.ok(!all.includes(s), 'a feed secret reached the logs');
  });
});
