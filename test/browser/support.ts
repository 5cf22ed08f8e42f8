/**
 * Shared pieces of the browser tests: real headless Chromium (Debian's /usr/bin/chromium, driven
 * by playwright-core) with fake camera and microphone, one browser context per simulated user,
 * against the real app of `test/helpers/harness.ts` listening on 127.0.0.1.
 *
 * A test FAILS (never skips) when Chromium is missing: `sudo sh scripts/install-debian-tools.sh chromium`.
 * Set BROWSER_LOG=1 to stream the pages' console output.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createTestApp, type TestApp, type TestUser } from '../helpers/harness.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  // Three fake cameras (and Chromium's three fake microphones and speakers), so device switching is
  // real. Chromium makes the second fake camera a Y16 depth camera, which WebRTC does not send:
  // switching tests use the first and the third (I420).
  '--use-fake-device-for-media-stream=device-count=3',
  '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // Pages in background contexts must not be throttled: every simulated user is "in front".
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];
/** Generous waits: two shared cores run the server and several Chromium renderers with video. */
export const UI_TIMEOUT_MS = 30_000;
export const MEDIA_TIMEOUT_MS = 45_000;

/** Fails the test with an install hint when Chromium is not there. */
export function requireChromium(): void {
  assert.ok(
    fs.existsSync(CHROMIUM),
    `Chromium is required for the browser tests but ${CHROMIUM} does not exist. Install it with \`sudo sh scripts/install-debian-tools.sh chromium\` (apt-get install -y chromium) or set CHROMIUM_PATH.`,
  );
}

function newestMtime(dir: string): number {
  return Math.max(
    0,
    ...fs.readdirSync(dir, { withFileTypes: true }).map((e) => {
      const full = path.join(dir, e.name);
      return e.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs;
    }),
  );
}

/**
 * Builds the web client when `dist/web` is missing or older than a file under `web/`. Test files
 * run in parallel: a lock directory makes one of them build while the others wait, then see a
 * fresh build.
 */
export async function ensureWebBuild(): Promise<void> {
  const index = path.join(ROOT, 'dist/web/index.html');
  const fresh = () => fs.existsSync(index) && fs.statSync(index).mtimeMs > newestMtime(path.join(ROOT, 'web'));
  if (fresh()) return;
  const lock = path.join(ROOT, 'dist/.web-build.lock');
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      // Another test file builds; a lock older than 3 minutes is a leftover of a killed run.
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 180_000) fs.rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) assert.fail('timed out waiting for another test file to build the web client');
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    if (fresh()) return;
    const result = spawnSync('npm', ['run', 'build:web'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(result.status, 0, `npm run build:web failed:\n${result.stdout}\n${result.stderr}`);
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/** Polls `check` until it returns a truthy value; fails with the last observed state. */
export async function eventually<T>(what: string, check: () => Promise<T | false | null | undefined>, timeoutMs = UI_TIMEOUT_MS, describe?: () => Promise<unknown>): Promise<T> {
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

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface PeerStats {
  userId: string;
  connectionState: string;
  audioBytesReceived: number;
  videoBytesReceived: number;
  localCandidateType: string | null;
  remoteCandidateType: string | null;
  iceRestarts: number;
}

/** The page's peer connections with their inbound byte counters (`window.__call.stats()`). */
export const peerStats = (page: Page): Promise<PeerStats[]> => page.evaluate(() => (window.__call ? window.__call.stats() : [])) as Promise<PeerStats[]>;

/** Signaling frames the page received, of one type. */
export async function receivedOfType<T = Record<string, unknown>>(page: Page, type: string): Promise<T[]> {
  const all = (await page.evaluate(() => window.__call?.received() ?? [])) as Array<{ type: string }>;
  return all.filter((m) => m.type === type) as T[];
}

/** A simulated user: its own browser context (cookies, storage) and page. */
export interface BrowserUser {
  name: string;
  id: string;
  token: string | null;
  context: BrowserContext;
  page: Page;
}

export interface OpenOptions {
  /** Signs in with this JWT (stored as the app does) instead of the sign-in form. */
  token?: string;
  id?: string;
  /** Relay-only ICE (`iceTransportPolicy: 'relay'`). */
  relay?: boolean;
  /** Path to open first (default `/`). */
  path?: string;
  /**
   * The browser's language (`navigator.languages`, default `en-US`: the tests that match English
   * text run in English; the French runs say `fr-FR`).
   */
  locale?: string;
  /** `prefers-color-scheme` of the context (default `light`). */
  colorScheme?: 'light' | 'dark';
  /** Viewport (default 1280×720); a phone is `{ width: 390, height: 844 }`. */
  viewport?: { width: number; height: number };
}

/** One browser, the app and every user's context; `close` releases them all. */
export interface BrowserRun {
  t: TestApp;
  baseUrl: string;
  browser: Browser;
  logs: string[];
  users: BrowserUser[];
  /** Opens a user's page, signed in (through the form, or with `token`). */
  open(name: string, opts?: OpenOptions): Promise<BrowserUser>;
}

async function openUser(run: BrowserRun, name: string, opts: OpenOptions): Promise<BrowserUser> {
  const context = await run.browser.newContext({
    baseURL: run.baseUrl,
    locale: opts.locale ?? 'en-US',
    colorScheme: opts.colorScheme ?? 'light',
    ...(opts.viewport ? { viewport: opts.viewport, isMobile: opts.viewport.width < 600, hasTouch: opts.viewport.width < 600 } : {}),
  });
  // Lighter video for the shared 2-core machine; relay-only ICE when asked. Set before any script runs.
  await context.addInitScript(
    ({ token, relay }) => {
      localStorage.setItem('conversation.videoQuality', 'low');
      if (relay) localStorage.setItem('conversation.iceRelay', '1');
      if (token && !localStorage.getItem('conversation.token')) localStorage.setItem('conversation.token', token);
    },
    { token: opts.token ?? null, relay: opts.relay ?? false },
  );
  const page = await context.newPage();
  page.setDefaultTimeout(UI_TIMEOUT_MS);
  page.on('console', (msg) => {
    const line = `[${name}] ${msg.type()}: ${msg.text()}`;
    run.logs.push(line);
    if (process.env.BROWSER_LOG) console.log(line);
  });
  page.on('pageerror', (err) => run.logs.push(`[${name}] pageerror: ${err.message}`));
  await page.goto(opts.path ?? '/');
  if (!opts.token) {
    await page.getByTestId('signin-name').fill(name);
    await page.getByTestId('signin-submit').click();
  }
  const current = page.getByTestId('current-user');
  await current.waitFor();
  const id = await current.getAttribute('data-user-id');
  assert.ok(id, `${name} has a user id`);
  if (opts.id) assert.equal(id, opts.id);
  const user: BrowserUser = { name, id, token: opts.token ?? null, context, page };
  run.users.push(user);
  return user;
}

/**
 * Runs `body` with a fresh app (listening, on `port` when given) and one Chromium; always closes
 * the browser and the app, and prints the pages' console when the body fails.
 */
export async function withBrowser(opts: { env?: Record<string, string>; port?: number }, body: (run: BrowserRun) => Promise<void>): Promise<void> {
  requireChromium();
  await ensureWebBuild();
  const run: Partial<BrowserRun> & { logs: string[]; users: BrowserUser[] } = { logs: [], users: [] };
  try {
    run.t = await createTestApp({ env: opts.env });
    run.baseUrl = await run.t.listen(opts.port);
    run.browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    run.open = (name, o = {}) => openUser(run as BrowserRun, name, o);
    await body(run as BrowserRun);
  } catch (err) {
    if (run.logs.length) console.error(`browser console (last 80 lines):\n${run.logs.slice(-80).join('\n')}`);
    throw err;
  } finally {
    await run.browser?.close().catch(() => undefined);
    await run.t?.close();
  }
}

/** From the session banner: waiting room, recording consent, then the call, until signaling is connected. */
export async function joinFromBanner(u: BrowserUser, consent: boolean | null): Promise<void> {
  await u.page.getByTestId('join-session').click();
  await enterFromWaitingRoom(u, consent);
}

/** In the waiting room: waits for the camera, answers the consent (unless preset) and enters the call. */
export async function enterFromWaitingRoom(u: BrowserUser, consent: boolean | null): Promise<void> {
  await u.page.locator('[data-testid="waiting-room"][data-media="ready"]').waitFor();
  if (consent !== null) await u.page.getByTestId(consent ? 'consent-yes' : 'consent-no').first().check();
  await u.page.getByTestId('enter-call').click();
  await u.page.locator('[data-testid="call"][data-call-status="connected"]').waitFor();
}

/** `u`'s page has one connected peer per other user, receiving audio and video from each. */
export async function expectFullMesh(u: BrowserUser, users: BrowserUser[], timeoutMs = MEDIA_TIMEOUT_MS): Promise<PeerStats[]> {
  const others = users
    .filter((o) => o !== u)
    .map((o) => o.id)
    .sort();
  const stats = await eventually(
    `${u.name}: ${others.length} connected peers receiving audio and video`,
    async () => {
      const s = await peerStats(u.page);
      const ok =
        s.length === others.length &&
        s.map((p) => p.userId).sort().join() === others.join() &&
        s.every((p) => p.connectionState === 'connected' && p.audioBytesReceived > 0 && p.videoBytesReceived > 0);
      return ok ? s : false;
    },
    timeoutMs,
    () => peerStats(u.page),
  );
  await eventually(
    `${u.name}: ${others.length} tiles marked connected`,
    async () => (await u.page.locator('[data-testid="peer-tile"][data-peer-state="connected"]').count()) === others.length,
    UI_TIMEOUT_MS,
  );
  return stats;
}

/**
 * Audio and video bytes from every peer of `u` keep growing (media flows now, not just once). A
 * counter that went down belongs to a new connection: it becomes the new baseline.
 */
export async function expectMediaFlowing(u: BrowserUser, timeoutMs = UI_TIMEOUT_MS): Promise<void> {
  const baseline = new Map((await peerStats(u.page)).map((s) => [s.userId, s]));
  await eventually(
    `${u.name}: inbound audio and video growing from every peer`,
    async () => {
      const now = await peerStats(u.page);
      let ok = now.length === baseline.size && now.length > 0;
      for (const s of now) {
        const prev = baseline.get(s.userId);
        if (!prev || s.videoBytesReceived < prev.videoBytesReceived || s.audioBytesReceived < prev.audioBytesReceived) {
          baseline.set(s.userId, s);
          ok = false;
        } else if (!(s.connectionState === 'connected' && s.videoBytesReceived > prev.videoBytesReceived && s.audioBytesReceived > prev.audioBytesReceived)) {
          ok = false;
        }
      }
      return ok;
    },
    timeoutMs,
    () => peerStats(u.page),
  );
}

/**
 * A private session created by `host` over REST, joined by `guests` with its code, and started
 * (the pages then open it from their session banner).
 */
export async function createStartedPrivateSession(
  t: TestApp,
  host: TestUser,
  guests: TestUser[],
  opts: { maxParticipants?: number; targetLanguageCode?: string } = {},
): Promise<{ sessionId: string; inviteCode: string }> {
  const created = await t.app.inject({
    method: 'POST',
    url: '/api/sessions',
    headers: host.headers,
    payload: { type: 'private', targetLanguageCode: opts.targetLanguageCode ?? 'es', maxParticipants: opts.maxParticipants ?? 4, recordingConsent: false },
  });
  assert.equal(created.statusCode, 201, created.body);
  const { id: sessionId, inviteCode } = created.json() as { id: string; inviteCode: string };
  for (const guest of guests) {
    const joined = await t.app.inject({ method: 'POST', url: '/api/sessions/join', headers: guest.headers, payload: { inviteCode, recordingConsent: false } });
    assert.equal(joined.statusCode, 201, joined.body);
  }
  const started = await t.app.inject({ method: 'POST', url: `/api/sessions/${sessionId}/start`, headers: host.headers, payload: {} });
  assert.equal(started.statusCode, 200, started.body);
  return { sessionId, inviteCode };
}

/**
 * Saves a screenshot to `docs/screenshots/{name}.png` when `SCREENSHOTS=1` (`npm run screenshots`,
 * which the README shows); does nothing otherwise.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (!process.env.SCREENSHOTS) return;
  const dir = path.join(ROOT, 'docs/screenshots');
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}
