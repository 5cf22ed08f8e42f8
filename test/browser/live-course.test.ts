/**
 * Live courses end to end in real headless Chromium (seed 004 §1-§5): an instructor creates a
 * session in the web client and starts it; a student sees it live, joins and reaches the join
 * page with a Jitsi token; the student asks a question that the instructor sees (server-sent
 * events), and the instructor marks it answered.
 *
 * No Jitsi server can be reached from these machines, so the test serves a LOCAL STAND-IN of the
 * Jitsi IFrame API (`external_api.js`) on 127.0.0.1 as JITSI_URL: a `JitsiMeetExternalAPI` class
 * that records the options the page gave it (domain, room name, jwt, config) and the commands it
 * sent, and announces `videoConferenceJoined`. The test asserts on those records, verifies the
 * jwt with jose, then stops the stand-in to check the page's "cannot reach the video server" message.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import { jwtVerify } from 'jose';
import type { Page } from 'playwright-core';
import { startStandIn } from './jitsi-stand-in.ts';
import { eventually, withBrowser } from './support.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const standInRecord = (page: Page) => page.evaluate(() => (window as unknown as { __jitsiStandIn?: Json }).__jitsiStandIn ?? null) as Promise<Json | null>;

test('an instructor creates and starts a session; a student joins with a token and asks a question the instructor sees', { timeout: 180_000 }, async () => {
  const standIn = await startStandIn();
  const secret = crypto.randomBytes(32).toString('hex');
  try {
    await withBrowser({ env: { JITSI_URL: standIn.url, JITSI_APP_SECRET: secret, JITSI_APP_ID: 'courses-app' } }, async (run) => {
      const { t } = run;
      // The course and its people come from the course service (here: its admin API).
      const admin = await t.user('Course Admin', { admin: true });
      const ines = await t.user('Ines Instructor', { roles: ['instructor'] });
      const sam = await t.user('Sam Student');
      const put = await t.app.inject({
        method: 'PUT',
        url: '/api/courses/gov-101',
        headers: admin.headers,
        payload: { title: 'Governance 101', slug: 'governance-101', timeZone: 'Europe/Paris', instructorIds: [ines.id] },
      });
      assert.equal(put.statusCode, 201, put.body);
      assert.equal((await t.app.inject({ method: 'PUT', url: `/api/courses/gov-101/enrolments/${sam.id}`, headers: admin.headers })).statusCode, 200);

      // The instructor creates a session from the course's page and starts it.
      const teacher = await run.open(ines.name, { token: ines.token, id: ines.id, path: '/#/teach/gov-101' });
      await teacher.page.getByTestId('course-sessions').waitFor();
      await teacher.page.getByTestId('new-session').click();
      await teacher.page.getByTestId('ls-title').fill('Session 1: Introduction à la gouvernance');
      await teacher.page.getByTestId('ls-description').fill('Bring your questions.');
      await teacher.page.getByTestId('ls-submit').click();
      const row = teacher.page.locator('[data-testid="live-session"][data-status="scheduled"]');
      await row.waitFor();
      const sessionId = (await row.getAttribute('data-session-id'))!;
      await row.getByTestId('start-session').click();
      await teacher.page.locator(`[data-testid="live-session"][data-session-id="${sessionId}"][data-status="live"] [data-testid="live-badge"]`).waitFor();
      const session = (await t.app.inject({ method: 'GET', url: `/api/live-sessions/${sessionId}`, headers: ines.headers })).json();
      assert.equal(session.title, 'Session 1: Introduction à la gouvernance');
      assert.equal(session.status, 'live');

      // The instructor opens the room: a moderator token for exactly this room.
      await teacher.page.locator(`[data-testid="live-session"][data-session-id="${sessionId}"]`).getByTestId('open-room').click();
      await teacher.page.locator('[data-testid="join-live"][data-phase="in-room"]').waitFor();
      const teacherRecord = (await standInRecord(teacher.page))!;
      assert.equal(teacherRecord.roomName, session.jitsiRoomName);
      assert.equal(teacherRecord.domain, new URL(standIn.url).host);
      const key = new TextEncoder().encode(secret);
      const verifyAt = { algorithms: ['HS256'], typ: 'JWT', issuer: 'courses-app', audience: 'jitsi', currentDate: t.clock.now() };
      const teacherClaims = (await jwtVerify(teacherRecord.jwt, key, verifyAt)).payload as Json;
      assert.equal(teacherClaims.room, session.jitsiRoomName);
      assert.equal(teacherClaims.context.user.moderator, true);
      assert.ok(teacherRecord.configOverwrite.toolbarButtons.includes('desktop'), 'instructors may share their screen');

      // The student sees it live, the Join button active, and joins.
      const student = await run.open(sam.name, { token: sam.token, id: sam.id, path: '/#/live' });
      const card = student.page.locator(`[data-testid="live-live"] [data-testid="live-session"][data-session-id="${sessionId}"]`);
      await card.getByTestId('live-badge').waitFor();
      assert.equal(await card.getByTestId('join-live').isEnabled(), true);
      await card.getByTestId('join-live').click();
      await student.page.locator('[data-testid="join-live"][data-phase="in-room"]').waitFor();
      const studentRecord = (await standInRecord(student.page))!;
      assert.equal(studentRecord.roomName, session.jitsiRoomName);
      const studentClaims = (await jwtVerify(studentRecord.jwt, key, verifyAt)).payload as Json;
      assert.deepEqual(studentClaims.context.user, { id: sam.id, name: sam.name, email: '', avatar: '', moderator: false, affiliation: 'member' });
      assert.equal(studentRecord.configOverwrite.resolution, 360, '360p by default (seed 004 §5)');
      assert.deepEqual(studentRecord.configOverwrite.toolbarButtons, ['microphone', 'camera', 'hangup'], 'no screen share for students unless allowed');
      assert.equal(studentRecord.userInfo.displayName, sam.name);
      await student.page.getByTestId('live-mic').click();
      await eventually('the mic command reached the IFrame API', async () => (await standInRecord(student.page))?.commands.some((c: string[]) => c[0] === 'toggleAudio'));
      await student.page.locator('[data-testid="live-mic"][aria-pressed="true"]').waitFor();

      // The student asks a question; the instructor sees it live and marks it answered; the student sees that.
      await student.page.locator('[data-testid="chat-panel"][data-chat-state="open"]').waitFor();
      await student.page.getByTestId('chat-type-question').check();
      await student.page.getByTestId('chat-input').fill('Qu\'est-ce que le quorum ?');
      await student.page.getByTestId('chat-send').click();
      const seen = teacher.page.locator('[data-testid="chat-message"][data-type="question"]', { hasText: 'Qu\'est-ce que le quorum ?' });
      await seen.waitFor();
      await seen.getByTestId('chat-mark-answered').click();
      await student.page.locator('[data-testid="chat-message"][data-type="question"][data-answered="true"]', { hasText: 'quorum' }).waitFor();

      // Attendance: both present; the question counted.
      const stats = (await t.app.inject({ method: 'GET', url: `/api/live-sessions/${sessionId}/stats`, headers: ines.headers })).json();
      assert.deepEqual(stats.participants.map((p: Json) => [p.userId, p.isPresent]).sort(), [[ines.id, true], [sam.id, true]].sort());
      assert.equal(stats.answeredCount, 1);

      // The video server goes away: the page says so instead of staying blank; the chat still shows.
      await standIn.close();
      await student.page.reload();
      await student.page.getByTestId('jitsi-unreachable').waitFor();
      assert.match(await student.page.getByTestId('jitsi-unreachable').innerText(), /cannot be reached/);
      await student.page.locator('[data-testid="chat-message"]', { hasText: 'quorum' }).waitFor();

      // The instructor leaves the room and ends the session from the course page; the student's page hears it.
      await teacher.page.getByTestId('leave-live').click();
      await teacher.page.getByTestId('live-sessions-page').waitFor();
      // The calendar shows the session in the month view, with the subscribe link of the feed.
      await teacher.page.goto('/#/calendar');
      await teacher.page.locator(`[data-testid="cal-event"][data-event-type="live_session"][data-event-id="${sessionId}"]`).waitFor();
      assert.match(await teacher.page.getByTestId('feed-url').inputValue(), /\/calendar\/[A-Za-z0-9_-]{43}\.ics$/);
      await teacher.page.getByTestId('cal-week').click();
      await teacher.page.locator(`[data-testid="calendar-page"][data-view="week"] [data-testid="cal-event"][data-event-id="${sessionId}"]`).waitFor();
      await teacher.page.goto('/#/teach/gov-101');

      await teacher.page.locator(`[data-testid="live-session"][data-session-id="${sessionId}"]`).getByTestId('end-session').click();
      await student.page.getByTestId('live-ended').waitFor();
    });
  } finally {
    await standIn.close().catch(() => undefined);
  }
});
