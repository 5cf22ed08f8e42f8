/**
 * A populated platform for the tests that visit every page (accessibility, phones, screenshots):
 * an admin who also teaches a course with a live session under way (on the local Jitsi stand-in),
 * a learner enrolled in it, registered to a slot and with a past private session in her history,
 * a recurring series for the admin page, and every page of the web client with what shows it is
 * ready. The waiting room, the call and the recap are reached by `openCall`.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { TestUser } from '../helpers/harness.ts';
import { createStartedPrivateSession, enterFromWaitingRoom, type BrowserRun, type BrowserUser, type OpenOptions } from './support.ts';

export interface World {
  admin: TestUser;
  lea: TestUser;
  max: TestUser;
  liveSessionId: string;
}

/** One page of the client: its route, who opens it, and what shows it is ready. */
export interface PageVisit {
  name: string;
  who: 'lea' | 'admin';
  route: string;
  ready: string;
}

/** Every page but the sign-in page and the call flow (see `openCall`). */
export function pages(world: World): PageVisit[] {
  return [
    { name: 'slots', who: 'lea', route: 'slots', ready: '[data-testid="slot"]' },
    { name: 'private', who: 'lea', route: 'private', ready: '[data-testid="create-private-form"]' },
    { name: 'registrations', who: 'lea', route: 'registrations', ready: '[data-testid="registration"] [data-testid="countdown"]' },
    { name: 'history', who: 'lea', route: 'history', ready: '[data-testid="history-item"]' },
    { name: 'live-courses', who: 'lea', route: 'live', ready: '[data-testid="live-live"] [data-testid="live-session"]' },
    { name: 'live-session', who: 'lea', route: `live-sessions/${world.liveSessionId}`, ready: '[data-testid="live-session"]' },
    { name: 'live-room', who: 'lea', route: `live-sessions/${world.liveSessionId}/join`, ready: '[data-testid="join-live"][data-phase="in-room"] [data-testid="chat-form"]' },
    { name: 'calendar', who: 'lea', route: 'calendar', ready: '[data-testid="feed-url"]' },
    { name: 'admin', who: 'admin', route: 'admin', ready: '[data-testid="admin-series"] [data-testid="admin-slot"]' },
    { name: 'teach', who: 'admin', route: 'teach', ready: '[data-testid="teach-course"]' },
    { name: 'course-sessions', who: 'admin', route: 'teach/gov-101', ready: '[data-testid="live-session"]' },
  ];
}

/** Creates the platform's data through the API. */
export async function seedWorld(run: BrowserRun): Promise<World> {
  const { t } = run;
  const admin = await t.user('Ada Admin', { admin: true, roles: ['admin', 'instructor'] });
  const lea = await t.user('Léa');
  const max = await t.user('Max');
  const inject = async (user: TestUser, method: 'POST' | 'PUT', url: string, payload: Record<string, unknown> = {}, expected = [200, 201]) => {
    const res = await t.app.inject({ method, url, headers: user.headers, payload });
    assert.ok(expected.includes(res.statusCode), `${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  const at = (minutes: number) => new Date(t.clock.now().getTime() + minutes * 60_000).toISOString();

  // Slots: one Léa registers to, and a weekly series.
  const slot = await inject(admin, 'POST', '/api/slots', { targetLanguageCode: 'fr', level: 'B1', startTime: at(120), durationMinutes: 30, maxParticipants: 6 });
  await inject(lea, 'POST', `/api/slots/${slot.id}/registrations`);
  await inject(admin, 'POST', '/api/slots', { targetLanguageCode: 'en', level: 'B2', startTime: at(180), durationMinutes: 45, recurrence: 'daily', timeZone: 'Europe/Paris' });

  // A past private session in Léa's history.
  const { sessionId } = await createStartedPrivateSession(t, lea, [max], { targetLanguageCode: 'fr' });
  t.clock.advance(60_000);
  await inject(lea, 'POST', `/api/sessions/${sessionId}/end`);

  // A course Ada teaches and Léa follows, with a session live now.
  await inject(admin, 'PUT', '/api/courses/gov-101', { title: 'Gouvernance 101', slug: 'gouvernance-101', timeZone: 'Europe/Paris', instructorIds: [admin.id] });
  await inject(admin, 'PUT', `/api/courses/gov-101/enrolments/${lea.id}`);
  const created = await inject(admin, 'POST', '/api/courses/gov-101/live-sessions', {
    title: 'Session 1 : Introduction à la gouvernance',
    description: 'Apportez vos questions.',
    startAt: at(5),
    endAt: at(65),
    maxParticipants: 50,
  });
  const liveSessionId = (created.items?.[0]?.id ?? created.id) as string;
  await inject(admin, 'POST', `/api/live-sessions/${liveSessionId}/start`);
  return { admin, lea, max, liveSessionId };
}

/** Opens a world user's page (signed in with their token). */
export function openAs(run: BrowserRun, world: World, who: 'lea' | 'admin' | 'max', opts: Omit<OpenOptions, 'token' | 'id'> = {}): Promise<BrowserUser> {
  const user = world[who];
  return run.open(user.name, { ...opts, token: user.token, id: user.id });
}

/** Goes to a page and waits until it shows its content. */
export async function visit(page: Page, p: PageVisit): Promise<void> {
  await page.goto(`/#/${p.route}`);
  await page.locator(p.ready).first().waitFor();
}

/**
 * Léa and Max in a started private session: `onWaitingRoom` runs in Léa's waiting room, then both
 * are in the call (`onCall`), then Léa leaves and `onRecap` runs on her recap.
 */
export async function openCall(
  run: BrowserRun,
  world: World,
  lea: BrowserUser,
  max: BrowserUser,
  steps: { onWaitingRoom(): Promise<void>; onCall(): Promise<void>; onRecap(): Promise<void> },
): Promise<void> {
  const { sessionId } = await createStartedPrivateSession(run.t, world.lea, [world.max], { targetLanguageCode: 'fr' });
  for (const u of [lea, max]) {
    await u.page.goto('/#/slots');
    await u.page.locator(`[data-testid="current-session"][data-session-id="${sessionId}"] [data-testid="join-session"]`).click();
    await u.page.locator('[data-testid="waiting-room"][data-media="ready"]').waitFor();
    if (u === lea) await steps.onWaitingRoom();
    await enterFromWaitingRoom(u, null);
  }
  for (const u of [lea, max]) {
    await u.page.locator('[data-testid="peer-tile"][data-peer-state="connected"][data-quality="good"]').waitFor();
    await u.page.waitForFunction(() => ((document.querySelector('[data-testid="peer-tile"] video') as HTMLVideoElement | null)?.videoWidth ?? 0) > 0);
  }
  await steps.onCall();
  await lea.page.getByTestId('leave-call').click();
  await lea.page.getByTestId('recap').waitFor();
  await lea.page.getByTestId('recap-rating').waitFor();
  await steps.onRecap();
  await max.page.getByTestId('leave-call').click();
}
