/**
 * Issue 15, in real headless Chromium: the whole slot flow (an admin creates a slot in the admin
 * page, two learners register in the slots page, matchmaking forms their session, they meet in a
 * call) and then a private call, once with the browsers in French (`fr-FR`) and once in English
 * (`en-US`). Every step checks text the user reads in that language; the French run also checks
 * that the English of the other run is nowhere on the pages, and the switch in the top bar turns a
 * page to the other language and is remembered.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { enterFromWaitingRoom, eventually, expectFullMesh, screenshot, withBrowser, type BrowserRun, type BrowserUser } from './support.ts';

/** What each run expects to read. */
interface Words {
  lang: string;
  slotsTitle: string;
  register: string;
  registered: string;
  join: string;
  waitingRoom: string;
  enterCall: string;
  connected: string;
  leave: string;
  youLeft: string;
  createPrivate: string;
  privateTitle: string;
  adminTitle: string;
  startSession: string;
  seatsLeft: RegExp;
  duration: RegExp;
  /** Words of the other language that must not show. */
  foreign: string[];
}

const FRENCH: Words = {
  lang: 'fr',
  slotsTitle: 'Créneaux ouverts',
  register: 'S’inscrire',
  registered: 'Inscrit',
  join: 'Rejoindre',
  waitingRoom: 'Salle d’attente',
  enterCall: 'Entrer dans l’appel',
  connected: 'Connecté',
  leave: 'Quitter',
  youLeft: 'Vous avez quitté l’appel',
  createPrivate: 'Créer la séance',
  privateTitle: 'Séances privées',
  adminTitle: 'Administration des créneaux',
  startSession: 'Lancer la séance',
  seatsLeft: /4 places libres sur 4/,
  duration: /30 min/,
  foreign: ['Open slots', 'Register', 'Sign out', 'Waiting room', 'Enter call', 'Connected', 'Leave', 'seats left', 'My sessions', 'Record my audio'],
};

const ENGLISH: Words = {
  lang: 'en',
  slotsTitle: 'Open slots',
  register: 'Register',
  registered: 'Registered',
  join: 'Join',
  waitingRoom: 'Waiting room',
  enterCall: 'Enter call',
  connected: 'Connected',
  leave: 'Leave',
  youLeft: 'You left the call',
  createPrivate: 'Create session',
  privateTitle: 'Private sessions',
  adminTitle: 'Slot administration',
  startSession: 'Start session',
  seatsLeft: /4 of 4 seats left/,
  duration: /30 min/,
  foreign: ['Créneaux', 'S’inscrire', 'Se déconnecter', 'Salle d’attente', 'Quitter', 'places libres'],
};

async function text(page: Page): Promise<string> {
  return page.locator('body').innerText();
}

async function noForeignWords(u: BrowserUser, words: Words, where: string): Promise<void> {
  const body = await text(u.page);
  const found = words.foreign.filter((w) => body.includes(w));
  assert.deepEqual(found, [], `${u.name}, ${where}: words of the other language on the page`);
}

async function slotFlowThenPrivateCall(run: BrowserRun, locale: string, words: Words): Promise<void> {
  const { t } = run;
  const admin = await t.user('Adèle Admin', { admin: true });
  const [amelie, bastien] = await Promise.all(['Amélie', 'Bastien'].map((n) => t.user(n)));
  const adminPage = await run.open(admin.name, { token: admin.token, id: admin.id, locale, path: '/#/admin' });
  assert.equal(await adminPage.page.evaluate(() => document.documentElement.lang), words.lang, 'the page language follows the browser');

  // The admin creates a French B1 slot for 4 starting in 10 minutes, in the admin page.
  await adminPage.page.getByRole('heading', { name: words.adminTitle }).waitFor();
  const form = adminPage.page.getByTestId('admin-slot-form');
  await form.getByTestId('admin-language').fill('fr');
  await form.getByTestId('admin-level').selectOption('B1');
  await form.getByTestId('admin-starts-in').fill('10');
  await form.getByTestId('admin-starts-in-apply').click();
  await form.getByTestId('admin-max').fill('4');
  await form.getByTestId('admin-create').click();
  const created = adminPage.page.getByTestId('admin-created');
  await created.waitFor();
  const slotId = (await created.getAttribute('data-slot-id'))!;
  await adminPage.page.locator(`[data-testid="admin-slot"][data-slot-id="${slotId}"]`).waitFor();
  const slot = (await t.app.inject({ method: 'GET', url: `/api/slots/${slotId}`, headers: admin.headers })).json() as { startTime: string };

  // Two learners register in the slots page, which reads in their language.
  const learners: BrowserUser[] = [];
  for (const u of [amelie!, bastien!]) learners.push(await run.open(u.name, { token: u.token, id: u.id, locale }));
  for (const u of learners) {
    await u.page.getByRole('heading', { name: words.slotsTitle }).waitFor();
    const row = u.page.locator(`[data-testid="slot"][data-slot-id="${slotId}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), words.duration);
    assert.equal((await row.getByTestId('register').innerText()).trim(), words.register);
    await row.getByTestId('register').click();
    assert.equal((await row.getByTestId('registered').innerText()).trim(), words.registered);
  }
  await noForeignWords(learners[0]!, words, 'the slots page');
  assert.match(await learners[0]!.page.getByTestId('slots-time-zone').innerText(), words.lang === 'fr' ? /fuseau horaire/ : /time zone/);

  // Registration closes: matchmaking puts them together; the banner offers to join.
  t.clock.set(new Date(slot.startTime).getTime() - t.config.rules.registrationCutoffMs);
  await t.runJobs();
  for (const u of learners) {
    await u.page.getByTestId('join-session').waitFor();
    assert.equal((await u.page.getByTestId('join-session').innerText()).trim(), words.join);
    await u.page.getByTestId('join-session').click();
    await u.page.getByRole('heading', { name: words.waitingRoom }).waitFor();
    await u.page.locator('[data-testid="waiting-room"][data-media="ready"]').waitFor();
    assert.equal((await u.page.getByTestId('enter-call').innerText()).trim(), words.enterCall);
    if (u === learners[0] && words.lang === 'fr') await screenshot(u.page, 'waiting-room-fr');
    await noForeignWords(u, words, 'the waiting room');
  }
  await Promise.all(learners.map((u) => enterFromWaitingRoom(u, false)));
  for (const u of learners) {
    await expectFullMesh(u, learners);
    assert.equal((await u.page.getByTestId('call-status').innerText()).trim(), words.connected);
    assert.equal((await u.page.getByTestId('leave-call').innerText()).trim(), words.leave);
    await noForeignWords(u, words, 'the call');
  }

  // They leave; the recap says so in their language.
  for (const u of learners) {
    await u.page.getByTestId('leave-call').click();
    await u.page.getByRole('heading', { name: words.youLeft }).waitFor();
  }

  // A private call: Amélie creates it, Bastien joins with the code, Amélie starts it.
  const [host, guest] = learners as [BrowserUser, BrowserUser];
  await host.page.getByTestId('nav-private').click();
  await host.page.getByRole('heading', { name: words.privateTitle }).waitFor();
  const create = host.page.getByTestId('create-private-form');
  await create.getByTestId('private-language').fill('fr');
  await create.getByTestId('consent-no').check();
  assert.equal((await create.getByTestId('create-private').innerText()).trim(), words.createPrivate);
  await create.getByTestId('create-private').click();
  const code = (await host.page.getByTestId('invite-code').innerText()).trim();
  await enterFromWaitingRoom(host, null);
  assert.equal((await host.page.getByTestId('start-session').innerText()).trim(), words.startSession);
  await guest.page.getByTestId('nav-private').click();
  const join = guest.page.getByTestId('join-code-form');
  await join.getByTestId('join-code').fill(code);
  await join.getByTestId('consent-no').check();
  await join.getByTestId('join-by-code').click();
  await enterFromWaitingRoom(guest, null);
  await host.page.getByTestId('start-session').click();
  for (const u of learners) await u.page.locator('[data-testid="call"][data-session-status="active"]').waitFor();
  for (const u of learners) await expectFullMesh(u, learners);
  await noForeignWords(guest, words, 'the private call');
}

test('the slot flow and a private call in French (fr-FR browsers)', { timeout: 240_000 }, () =>
  withBrowser({}, async (run) => {
    await slotFlowThenPrivateCall(run, 'fr-FR', FRENCH);

    // The switch in the top bar turns the page to English, and the choice is remembered.
    const amelie = run.users.find((u) => u.name === 'Amélie')!;
    await amelie.page.getByTestId('language-switch').selectOption('en');
    await eventually('the page in English', async () => (await amelie.page.evaluate(() => document.documentElement.lang)) === 'en');
    assert.equal((await amelie.page.getByTestId('leave-call').innerText()).trim(), 'Leave');
    assert.equal(await amelie.page.evaluate(() => localStorage.getItem('conversation.language')), 'en');
    await amelie.page.getByTestId('leave-call').click();
    await amelie.page.getByTestId('recap').waitFor();
    await amelie.page.reload();
    await amelie.page.getByTestId('current-user').waitFor();
    assert.equal(await amelie.page.evaluate(() => document.documentElement.lang), 'en', 'still English after a reload (fr-FR browser)');
    assert.equal((await amelie.page.getByTestId('nav-slots').innerText()).trim(), 'Slots');
  }),
);

test('the slot flow and a private call in English (en-US browsers)', { timeout: 240_000 }, () =>
  withBrowser({}, async (run) => {
    await slotFlowThenPrivateCall(run, 'en-US', ENGLISH);
  }),
);
