/**
 * conversation-service as `npm start` starts it (issue 14), the default "ours" of the signaling
 * benchmark: `src/main.ts` through tsx (or `dist/main.js` with `OURS_ENTRY=dist`) in a child
 * process, with its defaults: jobs scheduled (`JOBS_INTERVAL` 5 s), the embedded PGlite on disk
 * in a temporary `DATA_DIR` (or `DATABASE_URL` when given), the real clock. `JWT_SECRET` is set
 * so that the bench mints HS256 tokens itself (DESIGN 4.1 claims); logs at `warn`.
 *
 * The sessions are real and formed by the service's own jobs: an admin creates one slot per
 * session through the REST API, starting `RULES_REGISTRATION_CUTOFF` + a lead from now; every
 * member registers through the REST API; once registration closes under the real clock, the
 * matchmaking sweep forms the sessions, and each user reads its session id from
 * `GET /api/registrations` (polled). With the default rules the join window opens when
 * registration closes (both 5 min before the start).
 *
 * The CPU and memory figures come from the service process itself: `probe.ts` is preloaded into
 * it and answers the bench over the fork's IPC channel. The probe is TypeScript, so tsx is loaded
 * with `dist/main.js` too (the service's own code is then the compiled JavaScript).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SignJWT } from 'jose';
import { forkTs, type ChildHandle } from '../ipc.ts';
import { pool, type ServerManifest } from './common.ts';

/** Settings passed through to the service when the bench's environment has them. */
const PASSED = /^(SIGNALING_|RULES_|DATABASE_|REDIS_URL$|JOBS_INTERVAL$|RATE_LIMIT_PER_MINUTE$|NODE_ENV$)/;

/** Options of the launch: the session shape and extra node flags for the service. */
export interface OursProcessOptions {
  sessions: number;
  members: number;
  nodeArgs: string[];
  /** `tsx` (src/main.ts, as `npm start`) or `dist` (`node dist/main.js`, the production build). */
  entry: 'tsx' | 'dist';
  /** Seconds between slot creation and the close of registration (enough to register everyone). */
  leadS: number;
  log: (msg: string) => void;
}

/**
 * Starts the service, waits for `/readyz`, creates and fills the slots, waits for matchmaking.
 * @returns the child once forked (the caller stops it, whatever happens next) and the manifest,
 *   once every user knows its session. The temporary `DATA_DIR` is removed when the child exits.
 */
export async function launchOursProcess(opts: OursProcessOptions): Promise<{ server: ChildHandle; manifest: Promise<ServerManifest> }> {
  const repo = path.resolve(import.meta.dirname, '../../..');
  const dist = path.join(repo, 'dist/main.js');
  if (opts.entry === 'dist' && !fs.existsSync(dist)) throw new Error(`OURS_ENTRY=dist but ${dist} does not exist (npm run build)`);
  const file = opts.entry === 'dist' ? dist : path.join(repo, 'src/main.ts');
  const passed = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && PASSED.test(e[0])));
  const secret = crypto.randomBytes(32).toString('base64url');
  // Chosen before the fork: at `warn` the service logs nothing that would tell its port.
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-bench-'));
  const server = forkTs('ours', pathToFileURL(file), {
    env: { ...passed, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, JWT_SECRET: secret, LOG_LEVEL: process.env.OURS_LOG_LEVEL ?? 'warn' },
    nodeArgs: ['--import', pathToFileURL(path.join(import.meta.dirname, 'probe.ts')).href, ...opts.nodeArgs],
    stdoutToStderr: true,
    cwd: repo,
  });
  void server.exited.then(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  return { server, manifest: setUp(`http://127.0.0.1:${port}`, secret, server, opts, passed) };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function setUp(base: string, secret: string, child: ChildHandle, opts: OursProcessOptions, passed: Record<string, string>): Promise<ServerManifest> {
  const began = performance.now();
  const exited = child.exited.then(({ code, signal }) => {
    throw new Error(`ours exited during set-up (code ${code}, signal ${signal})`);
  });
  const during = <T>(p: Promise<T>) => Promise.race([p, exited]);
  await during(waitReady(base));
  const readyMs = performance.now() - began;

  const key = new TextEncoder().encode(secret);
  const mint = (sub: string, name: string, roles: string[]) =>
    new SignJWT({ name, roles, tier: 'free', levels: {} }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt().setExpirationTime('12h').sign(key);
  const tag = crypto.randomBytes(3).toString('hex'); // distinct users per run: a PostgreSQL database may hold earlier runs
  const adminToken = await mint(`bench-admin-${tag}`, 'Bench Admin', ['admin']);
  const users = await Promise.all(
    Array.from({ length: opts.sessions }, (_, s) =>
      Promise.all(Array.from({ length: opts.members }, async (_, m) => ({ id: `bench-${tag}-${s}-${m}`, token: await mint(`bench-${tag}-${s}-${m}`, `Learner ${s}-${m}`, []) }))),
    ),
  );

  const { loadConfig } = await import('../../../src/config.ts');
  const cutoffMs = loadConfig({ DATA_DIR: os.tmpdir(), ...passed }).rules.registrationCutoffMs;
  // Registration closes `leadS` from now; with the default rules the join window opens then too.
  const startTime = new Date(Date.now() + cutoffMs + opts.leadS * 1000);
  const closesAt = startTime.getTime() - cutoffMs;
  const slotIds = await during(
    pool(users, 8, async () => {
      const res = await call(base, 'POST', '/api/slots', adminToken, { targetLanguageCode: 'en', level: 'B1', startTime: startTime.toISOString(), durationMinutes: 45 });
      if (res.status !== 201) throw new Error(`slot creation failed: ${res.status} ${JSON.stringify(res.body)}`);
      return (res.body as { id: string }).id;
    }),
  );
  const slotsMs = performance.now() - began - readyMs;
  await during(
    pool(
      users.flatMap((group, s) => group.map((u) => ({ u, slotId: slotIds[s] }))),
      16,
      async ({ u, slotId }) => {
        const res = await call(base, 'POST', `/api/slots/${slotId}/registrations`, u.token);
        if (res.status !== 201) {
          const late = Date.now() >= closesAt ? ` (registration closed ${opts.leadS} s after the slots were created: raise OURS_LEAD)` : '';
          throw new Error(`registration of ${u.id} failed: ${res.status} ${JSON.stringify(res.body)}${late}`);
        }
      },
    ),
  );
  const registrationsMs = performance.now() - began - readyMs - slotsMs;
  const waitS = Math.max(0, (closesAt - Date.now()) / 1000);
  opts.log(`ours: ${opts.sessions * opts.members} registrations done; registration closes in ${waitS.toFixed(0)} s, then the matchmaking job forms the sessions`);
  await during(new Promise((r) => setTimeout(r, Math.max(0, closesAt - Date.now()))));
  const waitedMs = performance.now() - began - readyMs - slotsMs - registrationsMs;

  // Each user polls its own registrations until the job has matched it (at most every second).
  const sessionOf = new Map<string, string>();
  await during(
    pool(users.flat(), 16, async (u, i) => {
      const slotId = slotIds[Math.floor(i / opts.members)];
      for (let attempt = 0; ; attempt++) {
        const res = await call(base, 'GET', '/api/registrations', u.token);
        const items = (res.body as { items?: { timeSlotId: string; sessionId: string | null }[] }).items ?? [];
        const sessionId = items.find((r) => r.timeSlotId === slotId)?.sessionId;
        if (sessionId) return void sessionOf.set(u.id, sessionId);
        if (attempt >= 120) throw new Error(`${u.id} was not matched into a session within 2 min: ${JSON.stringify(res.body)}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }),
  );
  const sessions = users.map((group) => {
    const ids = new Set(group.map((u) => sessionOf.get(u.id)));
    if (ids.size !== 1) throw new Error(`the members of one slot ended up in ${ids.size} sessions`);
    return { id: [...ids][0]!, users: group };
  });
  if (new Set(sessions.map((s) => s.id)).size !== opts.sessions) throw new Error('sessions are not distinct');
  const matchMs = performance.now() - began - readyMs - slotsMs - registrationsMs - waitedMs;
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const db = passed.DATABASE_URL ? 'PostgreSQL' : 'PGlite in DATA_DIR';
  return {
    kind: 'ours',
    url: base.replace(/^http/, 'ws'),
    sessions,
    notes: [
      `ours: the service process (${opts.entry === 'dist' ? 'node dist/main.js' : 'src/main.ts through tsx'}; ${db}; jobs every ${passed.JOBS_INTERVAL ?? '5s'}; signaling state ${passed.REDIS_URL ? 'Redis' : 'in-process'}): ready in ${s(readyMs)}; ${opts.sessions} slots ${s(slotsMs)}, ${opts.sessions * opts.members} registrations ${s(registrationsMs)} via REST, waited ${s(waitedMs)} for registration to close, matchmaking job + lookups ${s(matchMs)}`,
    ],
  };
}

async function waitReady(base: string): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      const res = await fetch(`${base}/readyz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('ours: /readyz not ready within 180 s');
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function call(base: string, method: 'GET' | 'POST', url: string, token: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // keep the text
  }
  return { status: res.status, body: parsed };
}

