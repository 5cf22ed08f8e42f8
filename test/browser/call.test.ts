/**
 * End-to-end, in real headless Chromium: three users sign in through the web client, register for
 * a slot, get matched, join the call (recording consent asked in the waiting room) and exchange
 * media over a WebRTC full mesh signaled by the service. Then (1) one browser goes away and the
 * two others remove it after the reconnect window, and (2) one user's signaling socket drops and
 * the client reconnects and rebuilds its peers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { eventually, expectFullMesh, expectMediaFlowing, joinFromBanner, withBrowser, type BrowserRun, type BrowserUser } from './support.ts';

/**
 * Slot, sign-in through the form, registration through the slots screen, matchmaking, and the
 * call: every page ends with a connected peer to each other user, receiving audio and video.
 */
async function setUpCall(run: BrowserRun, names: string[]): Promise<BrowserUser[]> {
  const { t } = run;
  // An admin creates a slot starting in 10 minutes (server clock).
  const admin = await t.user('Admin', { admin: true });
  const startTime = new Date(t.clock.now().getTime() + 10 * 60_000);
  const created = await t.app.inject({
    method: 'POST',
    url: '/api/slots',
    headers: admin.headers,
    payload: { targetLanguageCode: 'fr', level: 'B1', startTime: startTime.toISOString(), durationMinutes: 30, maxParticipants: 8, minParticipants: 2 },
  });
  assert.equal(created.statusCode, 201, created.body);
  const slotId = (created.json() as { id: string }).id;

  const users: BrowserUser[] = [];
  for (const name of names) users.push(await run.open(name));

  // Each registers through the slots screen.
  for (const u of users) {
    const row = u.page.locator(`[data-testid="slot"][data-slot-id="${slotId}"]`);
    await row.getByTestId('register').click();
    await row.getByTestId('registered').waitFor();
  }

  // Registration closes (5 min before the start): matchmaking forms the session and the join
  // window opens; the pages see it through their /api/sessions/current polling.
  t.clock.set(startTime.getTime() - t.config.rules.registrationCutoffMs);
  await t.runJobs();
  for (const u of users) await u.page.getByTestId('join-session').waitFor();

  // Everyone joins: waiting room (fake camera and microphone, consent), then the call.
  await Promise.all(users.map((u, i) => joinFromBanner(u, i % 2 === 0)));
  for (const u of users) await expectFullMesh(u, users);
  return users;
}

// The reconnect window must stay below the heartbeat timeout (30 s): jumping the clock past the
// latter would also time out the survivors' sockets (they would reconnect, and the test would no
// longer show that their call simply carried on).
const ENV = { RULES_RECONNECT_WINDOW: '10s' };

test('three browsers register, meet in a full-mesh call, and see a dropped peer leave', { timeout: 180_000 }, () =>
  withBrowser({ env: ENV }, async (run) => {
    const { t } = run;
    const [alice, bruno, chen] = (await setUpCall(run, ['Alice', 'Bruno', 'Chen'])) as [BrowserUser, BrowserUser, BrowserUser];

    // Bytes keep flowing (not just a first packet).
    await expectMediaFlowing(alice);

    // Each answered the recording consent in the waiting room (Alice and Chen yes, Bruno no).
    const aliceToken = await alice.page.evaluate(() => localStorage.getItem('conversation.token'));
    assert.ok(aliceToken);
    const current = await t.app.inject({ method: 'GET', url: '/api/sessions/current', headers: { authorization: `Bearer ${aliceToken}` } });
    assert.equal(current.statusCode, 200, current.body);
    const session = current.json() as { recordingEnabled: boolean; participants: { userId: string; recordingConsent: boolean }[] };
    assert.deepEqual(Object.fromEntries(session.participants.map((p) => [p.userId, p.recordingConsent])), { [alice.id]: true, [bruno.id]: false, [chen.id]: true });
    assert.equal(session.recordingEnabled, true);

    // Media state reaches the others: Bruno mutes, Alice and Chen see it on his tile.
    await bruno.page.getByTestId('toggle-mic').click();
    for (const u of [alice, chen]) await u.page.locator(`[data-testid="peer-tile"][data-user-id="${bruno.id}"] [data-testid="mic-off"]`).waitFor();
    await bruno.page.getByTestId('toggle-mic').click();
    for (const u of [alice, chen]) await u.page.locator(`[data-testid="peer-tile"][data-user-id="${bruno.id}"] [data-testid="mic-off"]`).waitFor({ state: 'detached' });

    // Chen's browser goes away. The server records the drop when the socket closes...
    await chen.context.close();
    await eventually('the server to see Chen disconnected', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/api/sessions/current', headers: { authorization: `Bearer ${aliceToken}` } });
      if (res.statusCode !== 200) return false;
      const participants = (res.json() as { participants: { userId: string; status: string }[] }).participants;
      return participants.find((p) => p.userId === chen.id)?.status === 'disconnected';
    });
    // ...and announces that Chen left once the reconnect window has passed.
    t.clock.advance(t.config.rules.reconnectWindowMs + 1000);
    await t.runJobs();

    for (const u of [alice, bruno]) {
      const other = u === alice ? bruno : alice;
      await u.page.locator(`[data-testid="peer-tile"][data-user-id="${chen.id}"]`).waitFor({ state: 'detached' });
      await eventually(
        `${u.name}: only ${other.name} left, still connected`,
        async () => {
          const peers = await u.page.evaluate(() => window.__call?.peers() ?? []);
          return peers.length === 1 && peers[0]!.userId === other.id && peers[0]!.connectionState === 'connected';
        },
        undefined,
        () => u.page.evaluate(() => window.__call?.peers() ?? []),
      );
      const connections = await u.page.evaluate(() => window.__call?.connections());
      assert.equal(connections, 1, `${u.name}'s signaling socket stayed open through Chen's drop (no reconnection)`);
    }
  }),
);

test('a participant whose signaling connection drops reconnects inside the window and the mesh is rebuilt', { timeout: 180_000 }, () =>
  withBrowser({ env: ENV }, async (run) => {
    const users = await setUpCall(run, ['Dana', 'Emil', 'Farah']);
    const [dana, emil, farah] = users as [BrowserUser, BrowserUser, BrowserUser];
    const peerIds = async (page: Page) => (await page.evaluate(() => window.__call?.peers() ?? [])).map((p) => p.userId).sort();

    // Emil's socket fails; the client reconnects, is announced with `reconnected: true`, and offers
    // anew; the others discard their old connection to Emil.
    await emil.page.evaluate(() => window.__call!.simulateSignalingDrop());
    await eventually('Emil reconnected to signaling', async () => (await emil.page.evaluate(() => window.__call?.connections())) === 2);
    await eventually('Dana saw Emil reconnect', async () => (await dana.page.getByTestId('notices').innerText()).includes('Emil reconnected'));
    for (const u of users) await expectFullMesh(u, users);
    for (const u of [dana, farah]) {
      assert.deepEqual(await peerIds(u.page), [dana.id, emil.id, farah.id].filter((id) => id !== u.id).sort());
      assert.equal(await u.page.evaluate(() => window.__call?.connections()), 1, `${u.name} kept its signaling socket`);
    }
  }),
);
