/**
 * End-to-end, in real headless Chromium: three users sign in through the web client, register for
 * a slot, get matched, join the call and exchange media over a WebRTC full mesh signaled by the
 * service. Then (1) one browser goes away and the two others remove it after the reconnect window,
 * and (2) one user's signaling socket drops and the client reconnects and rebuilds its peers.
 *
 * Requires Chromium at /usr/bin/chromium (or CHROMIUM_PATH): `sudo sh scripts/install-chromium.sh`.
 * The test fails (it does not skip) when Chromium is missing. Set BROWSER_LOG=1 to stream the
 * pages' console output.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createTestApp, type TestApp } from '../helpers/harness.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
/** Generous waits: two cores run the server and three Chromium renderers with video. */
const UI_TIMEOUT_MS = 30_000;
const MEDIA_TIMEOUT_MS = 60_000;

/** Builds the web client when `dist/web` is missing or older than a file under `web/`. */
function ensureWebBuild(): void {
  const index = path.join(ROOT, 'dist/web/index.html');
  const builtAt = fs.existsSync(index) ? fs.statSync(index).mtimeMs : 0;
  const newest = (dir: string): number =>
    Math.max(
      0,
      ...fs.readdirSync(dir, { withFileTypes: true }).map((e) => {
        const full = path.join(dir, e.name);
        return e.isDirectory() ? newest(full) : fs.statSync(full).mtimeMs;
      }),
    );
  if (builtAt > newest(path.join(ROOT, 'web'))) return;
  const result = spawnSync('npm', ['run', 'build:web'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(result.status, 0, `npm run build:web failed:\n${result.stdout}\n${result.stderr}`);
}

/** Polls `check` until it returns a truthy value; fails with the last observed state. */
async function eventually<T>(what: string, check: () => Promise<T | false | null | undefined>, timeoutMs: number, describe?: () => Promise<unknown>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) {
      const state = describe ? await describe().catch((e) => `(unavailable: ${e})`) : '';
      assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}${describe ? `; last state: ${JSON.stringify(state)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface PeerStats {
  userId: string;
  connectionState: string;
  audioBytesReceived: number;
  videoBytesReceived: number;
}

const peerStats = (page: Page): Promise<PeerStats[]> => page.evaluate(() => (window.__call ? window.__call.stats() : []));

interface User {
  name: string;
  context: BrowserContext;
  page: Page;
  id: string;
}

async function signIn(browser: Browser, baseUrl: string, name: string, logs: string[]): Promise<User> {
  const context = await browser.newContext({ baseURL: baseUrl });
  const page = await context.newPage();
  page.setDefaultTimeout(UI_TIMEOUT_MS);
  page.on('console', (msg) => {
    const line = `[${name}] ${msg.type()}: ${msg.text()}`;
    logs.push(line);
    if (process.env.BROWSER_LOG) console.log(line);
  });
  page.on('pageerror', (err) => logs.push(`[${name}] pageerror: ${err.message}`));
  await page.goto('/');
  await page.getByTestId('signin-name').fill(name);
  await page.getByTestId('signin-submit').click();
  const current = page.getByTestId('current-user');
  await current.waitFor();
  const id = await current.getAttribute('data-user-id');
  assert.ok(id, `${name} has a user id`);
  return { name, context, page, id };
}

interface CallSetup {
  t: TestApp;
  browser: Browser;
  users: User[];
  logs: string[];
}

/**
 * Server, slot, browsers: each user signs in, registers for the slot and joins the call through
 * the UI, and every page ends with a connected peer to each other user, receiving audio and video.
 */
async function setUpCall(names: string[], setup: Partial<CallSetup>): Promise<CallSetup> {
  // The reconnect window must stay below the heartbeat timeout (30 s): jumping the clock past
  // the latter would also time out the survivors' sockets (they would reconnect, and the test
  // would no longer show that their call simply carried on).
  const t = (setup.t = await createTestApp({ env: { RULES_RECONNECT_WINDOW: '10s' } }));
  const logs: string[] = (setup.logs = []);
  const baseUrl = await t.listen();

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

  const browser = (setup.browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true }));
  const users: User[] = [];
  for (const name of names) users.push(await signIn(browser, baseUrl, name, logs));

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

  // Everyone joins: waiting room (fake camera and microphone), then the call.
  await Promise.all(
    users.map(async (u) => {
      await u.page.getByTestId('join-session').click();
      await u.page.locator('[data-testid="waiting-room"][data-media="ready"]').waitFor();
      await u.page.getByTestId('enter-call').click();
      await u.page.locator('[data-testid="call"][data-call-status="connected"]').waitFor();
    }),
  );
  for (const u of users) await expectFullMesh(u, users);
  return { t, browser, users, logs };
}

/** `u`'s page has one connected peer per other user, receiving audio and video from each. */
async function expectFullMesh(u: User, users: User[]): Promise<void> {
  const others = users.filter((o) => o !== u).map((o) => o.id).sort();
  await eventually(
    `${u.name}: ${others.length} connected peers receiving audio and video`,
    async () => {
      const stats = await peerStats(u.page);
      return (
        stats.length === others.length &&
        stats.map((s) => s.userId).sort().join() === others.join() &&
        stats.every((s) => s.connectionState === 'connected' && s.audioBytesReceived > 0 && s.videoBytesReceived > 0)
      );
    },
    MEDIA_TIMEOUT_MS,
    () => peerStats(u.page),
  );
  await eventually(
    `${u.name}: ${others.length} tiles marked connected`,
    async () => (await u.page.locator('[data-testid="peer-tile"][data-peer-state="connected"]').count()) === others.length,
    UI_TIMEOUT_MS,
  );
}

/** Runs `body` with a fresh call; always closes the browser and the server. */
async function withCall(names: string[], body: (setup: CallSetup) => Promise<void>): Promise<void> {
  assert.ok(
    fs.existsSync(CHROMIUM),
    `Chromium is required for the browser test but ${CHROMIUM} does not exist. Install it with \`sudo sh scripts/install-chromium.sh\` (apt-get install -y chromium) or set CHROMIUM_PATH.`,
  );
  ensureWebBuild();
  const setup: Partial<CallSetup> = {};
  try {
    await body(await setUpCall(names, setup));
  } catch (err) {
    if (setup.logs?.length) console.error(`browser console (last 80 lines):\n${setup.logs.slice(-80).join('\n')}`);
    throw err;
  } finally {
    await setup.browser?.close().catch(() => undefined);
    await setup.t?.close();
  }
}

test('three browsers register, meet in a full-mesh call, and see a dropped peer leave', { timeout: 300_000 }, () =>
  withCall(['Alice', 'Bruno', 'Chen'], async ({ t, users }) => {
    const [alice, bruno, chen] = users as [User, User, User];

    // Bytes keep flowing (not just a first packet).
    const before = await peerStats(alice.page);
    await eventually(
      'Alice: inbound bytes growing from both peers',
      async () => {
        const now = await peerStats(alice.page);
        return now.every((s) => {
          const prev = before.find((b) => b.userId === s.userId);
          return prev && s.videoBytesReceived > prev.videoBytesReceived && s.audioBytesReceived > prev.audioBytesReceived;
        });
      },
      UI_TIMEOUT_MS,
      () => peerStats(alice.page),
    );

    // Media state reaches the others: Bruno mutes, Alice and Chen see it on his tile.
    await bruno.page.getByTestId('toggle-mic').click();
    for (const u of [alice, chen]) await u.page.locator(`[data-testid="peer-tile"][data-user-id="${bruno.id}"] [data-testid="mic-off"]`).waitFor();
    await bruno.page.getByTestId('toggle-mic').click();
    for (const u of [alice, chen]) await u.page.locator(`[data-testid="peer-tile"][data-user-id="${bruno.id}"] [data-testid="mic-off"]`).waitFor({ state: 'detached' });

    // Chen's browser goes away. The server records the drop when the socket closes...
    const aliceToken = await alice.page.evaluate(() => localStorage.getItem('conversation.token'));
    assert.ok(aliceToken);
    await chen.context.close();
    await eventually(
      'the server to see Chen disconnected',
      async () => {
        const res = await t.app.inject({ method: 'GET', url: '/api/sessions/current', headers: { authorization: `Bearer ${aliceToken}` } });
        if (res.statusCode !== 200) return false;
        const participants = (res.json() as { participants: { userId: string; status: string }[] }).participants;
        return participants.find((p) => p.userId === chen.id)?.status === 'disconnected';
      },
      UI_TIMEOUT_MS,
    );
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
        UI_TIMEOUT_MS,
        () => u.page.evaluate(() => window.__call?.peers() ?? []),
      );
      const connections = await u.page.evaluate(() => window.__call?.connections());
      assert.equal(connections, 1, `${u.name}'s signaling socket stayed open through Chen's drop (no reconnection)`);
    }
  }),
);

test('a participant whose signaling connection drops reconnects inside the window and the mesh is rebuilt', { timeout: 300_000 }, () =>
  withCall(['Dana', 'Emil', 'Farah'], async ({ users }) => {
    const [dana, emil, farah] = users as [User, User, User];
    const peerIds = async (page: Page) => (await page.evaluate(() => window.__call?.peers() ?? [])).map((p) => p.userId).sort();

    // Emil's socket fails; the client reconnects, is announced with `reconnected: true`, and offers
    // anew; the others discard their old connection to Emil.
    await emil.page.evaluate(() => window.__call!.simulateSignalingDrop());
    await eventually('Emil reconnected to signaling', async () => (await emil.page.evaluate(() => window.__call?.connections())) === 2, UI_TIMEOUT_MS);
    await eventually('Dana saw Emil reconnect', async () => (await dana.page.getByTestId('notices').innerText()).includes('Emil reconnected'), UI_TIMEOUT_MS);
    for (const u of users) await expectFullMesh(u, users);
    for (const u of [dana, farah]) {
      assert.deepEqual(await peerIds(u.page), [dana.id, emil.id, farah.id].filter((id) => id !== u.id).sort());
      assert.equal(await u.page.evaluate(() => window.__call?.connections()), 1, `${u.name} kept its signaling socket`);
    }
  }),
);
