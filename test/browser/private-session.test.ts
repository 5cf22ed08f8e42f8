/**
 * Issue 3 end to end, in real headless Chromium: a host creates a private session in the web
 * client, one guest opens the shared `/join/CODE` link and another types the code, each choosing
 * whether their audio may be recorded; the host starts the session and the three meet in a
 * full-mesh call. The host leaves: the longest-present guest becomes host (badge and toast on
 * every page) and ends the session for everyone; every page shows the recap, a guest rates the
 * session, and the rating shows in their history.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { enterFromWaitingRoom, eventually, expectFullMesh, expectMediaFlowing, receivedOfType, withBrowser, type BrowserUser } from './support.ts';

test('private session: create, join by link and by code, start, host hand-over on leave, end for everyone, recap and rating', { timeout: 110_000 }, () =>
  withBrowser({}, async (run) => {
    const { t } = run;
    const tokens = await Promise.all(['Hana', 'Ivo', 'Jun'].map((name) => t.user(name)));
    const [hana, ivo, jun] = (await Promise.all(tokens.map((u) => run.open(u.name, { token: u.token, id: u.id })))) as [BrowserUser, BrowserUser, BrowserUser];

    // Hana creates the session: French B1, a topic, up to 4 people, her audio may be recorded.
    await hana.page.getByTestId('nav-private').click();
    const form = hana.page.getByTestId('create-private-form');
    await form.getByTestId('private-language').fill('fr');
    await form.getByTestId('private-level').selectOption('B1');
    await form.getByTestId('private-topic').fill('Travel stories');
    await form.getByTestId('private-size').selectOption('4');
    assert.equal(await form.getByTestId('create-private').isDisabled(), true, 'no session without a consent answer');
    await form.getByTestId('consent-yes').check();
    await form.getByTestId('create-private').click();

    // The waiting room shows the code and the link to share, and keeps the consent given.
    await hana.page.getByTestId('waiting-room').waitFor();
    const code = (await hana.page.getByTestId('invite-code').innerText()).trim();
    assert.match(code, /^[A-Z0-9]{6}$/, 'a 6-character invite code');
    const link = (await hana.page.getByTestId('invite-link').innerText()).trim();
    assert.equal(link, `${run.baseUrl}/join/${code}`);
    assert.equal(await hana.page.getByTestId('consent-choice').getAttribute('data-value'), 'true');
    assert.match(await hana.page.getByTestId('session-summary').innerText(), /Travel stories/);
    await enterFromWaitingRoom(hana, null);
    await hana.page.locator('[data-testid="call"][data-is-host="true"][data-session-status="waiting"]').waitFor();
    await hana.page.getByTestId('start-session').waitFor();

    // Ivo opens the shared link: the join form comes with the code filled in.
    await ivo.page.goto(`/join/${code}`);
    const joinForm = ivo.page.getByTestId('join-code-form');
    await joinForm.waitFor();
    assert.equal(await joinForm.getByTestId('join-code').inputValue(), code);
    await joinForm.getByTestId('consent-no').check();
    await joinForm.getByTestId('join-by-code').click();
    await enterFromWaitingRoom(ivo, null);
    assert.equal(await ivo.page.getByTestId('start-session').count(), 0, 'only the host may start');
    // Jun comes ten seconds later (server clock), so Ivo is the longest present after Hana.
    t.clock.advance(10_000);

    // Jun types the code (lower case, with a space: forgiven).
    await jun.page.getByTestId('nav-private').click();
    const junForm = jun.page.getByTestId('join-code-form');
    await junForm.getByTestId('join-code').fill(`${code.slice(0, 3).toLowerCase()} ${code.slice(3)}`);
    await junForm.getByTestId('consent-yes').check();
    await junForm.getByTestId('join-by-code').click();
    await enterFromWaitingRoom(jun, null);

    // The server recorded each consent as chosen.
    const participants = await t.app.inject({ method: 'GET', url: `/api/sessions/${await sessionIdOf(hana)}/participants`, headers: tokens[0]!.headers });
    assert.equal(participants.statusCode, 200, participants.body);
    const consent = Object.fromEntries((participants.json() as { items: { userId: string; recordingConsent: boolean }[] }).items.map((p) => [p.userId, p.recordingConsent]));
    assert.deepEqual(consent, { [hana.id]: true, [ivo.id]: false, [jun.id]: true });

    // Hana starts the session; everyone sees it live and the mesh carries audio and video.
    await hana.page.getByTestId('start-session').click();
    const users = [hana, ivo, jun];
    for (const u of users) await u.page.locator('[data-testid="call"][data-session-status="active"]').waitFor();
    for (const u of users) await expectFullMesh(u, users);
    await expectMediaFlowing(jun);
    // Voice activity: each client reports its own (the fake microphone beeps), the others
    // highlight the speaker. Hana, in first, has heard both guests start speaking.
    await eventually(
      'Hana: the guests highlighted as speaking',
      async () => (await hana.page.locator('[data-testid="peer-tile"][data-speaking="true"]').count()) === 2,
      undefined,
      async () => ({ received: await receivedOfType(hana.page, 'speaking'), voice: await Promise.all(users.map((u) => u.page.evaluate(() => window.__call?.voice()))) }),
    );
    for (const u of [ivo, jun]) await u.page.locator(`[data-testid="peer-tile"][data-user-id="${hana.id}"] [data-testid="host-badge"]`).waitFor();

    // Some minutes of conversation (server clock), then Hana leaves: her page shows the recap
    // of a session that goes on; Ivo, present longer than Jun, becomes the host.
    t.clock.advance(120_000);
    await hana.page.getByTestId('leave-call').click();
    await hana.page.locator('[data-testid="recap"][data-session-status="active"]').waitFor();
    await hana.page.getByTestId('rating-later').waitFor();

    await eventually(
      'Ivo: shown as the host',
      async () => (await ivo.page.locator('[data-testid="call"][data-is-host="true"]').count()) === 1,
      undefined,
      () => ivo.page.evaluate(() => window.__call?.received().filter((m) => m.type !== 'speaking')),
    );
    await ivo.page.locator('[data-testid="toast"]', { hasText: 'You are now the host' }).waitFor();
    await jun.page.locator('[data-testid="toast"]', { hasText: 'Ivo is now the host' }).waitFor();
    await jun.page.locator(`[data-testid="peer-tile"][data-user-id="${ivo.id}"] [data-testid="host-badge"]`).waitFor();
    assert.equal(await jun.page.locator(`[data-testid="peer-tile"][data-user-id="${hana.id}"]`).count(), 0, 'Hana is gone from the grid');
    assert.equal(await jun.page.getByTestId('end-session').count(), 0, 'Jun is not the host');
    for (const u of [ivo, jun]) await expectFullMesh(u, [ivo, jun]);

    // Ivo ends the session for everyone: all three pages show the recap of the ended session.
    t.clock.advance(60_000);
    await ivo.page.getByTestId('end-session').click();
    await ivo.page.getByTestId('confirm-end-session').click();
    for (const u of users) {
      await eventually(`${u.name}: recap of the ended session`, async () => {
        const recap = u.page.locator('[data-testid="recap"][data-session-status="ended"]');
        return (await recap.count()) === 1 && (await recap.getAttribute('data-end-reason')) === 'host_ended';
      });
      assert.equal(await u.page.getByTestId('recap-duration').getAttribute('data-seconds'), '180', `${u.name}: the session lasted 3 minutes`);
      assert.equal(await u.page.getByTestId('recap-participants').getAttribute('data-count'), '3');
    }
    assert.equal(await hana.page.getByTestId('recap-my-presence').getAttribute('data-seconds'), '130', 'Hana was there from her entry to her leave');
    assert.equal(await jun.page.getByTestId('recap-my-presence').getAttribute('data-seconds'), '180', 'Jun was there 3 minutes');
    assert.ok(await jun.page.getByTestId('recap-my-speaking').getAttribute('data-seconds'), 'speaking time shown');

    // Jun rates the session from the recap; the rating shows in the history, which offers the
    // others a rating of their own.
    await jun.page.getByTestId('rating-star-4').click();
    await jun.page.getByTestId('rating-comment').fill('Lovely group');
    await jun.page.getByTestId('rating-submit').click();
    await jun.page.getByTestId('rating-done').waitFor();
    await jun.page.getByTestId('open-history').click();
    const item = jun.page.locator('[data-testid="history-item"]').first();
    await item.locator('[data-testid="my-rating"][data-rating="4"]').waitFor();
    assert.match(await item.innerText(), /Travel stories/);
    await ivo.page.getByTestId('open-history').click();
    await ivo.page.locator('[data-testid="history-item"] [data-testid="rate-session"]').first().waitFor();
  }),
);

/** The session id of the call open in `u`'s page. */
async function sessionIdOf(u: BrowserUser): Promise<string> {
  const id = await u.page.evaluate(() => window.__call?.sessionId ?? null);
  assert.ok(id, `${u.name} is in a call`);
  return id;
}
