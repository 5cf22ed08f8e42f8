/**
 * conversation-service, built as the test harness builds it (`createTestApp`: the real app, real
 * services, in-memory PGlite, development auth, logs off), listening on 127.0.0.1, with the
 * WebSocket pings `src/main.ts` starts. Background sweeps are not scheduled (as in the harness).
 *
 * The sessions are real: an admin creates one slot per session through the REST API (`inject`),
 * each member registers through the REST API with their own token, the clock moves to the close
 * of registration and matchmaking forms the sessions; each user reads their session id from
 * `GET /api/registrations`. The clock then ticks in real time from inside the join window: the
 * service reads it for every frame (rate limit refill, liveness), so a frozen manual clock would
 * distort both.
 */
import { ManualClock } from '../../../src/shared/clock.ts';
import { realTimers } from '../../../src/shared/timers.ts';
import { createTestApp, type TestUser } from '../../../test/helpers/harness.ts';
import { runServerChild, userIds, pool } from './common.ts';

const sessions = Number(process.env.SESSIONS);
const members = Number(process.env.MEMBERS);

/** A clock that can be set like `ManualClock` and then runs at real speed from there. */
class TickingClock extends ManualClock {
  private offsetMs = 0;
  constructor(start: number) {
    super(start);
    this.offsetMs = start - Date.now();
  }
  override now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  override nowMs(): number {
    return Date.now() + this.offsetMs;
  }
  override set(at: Date | string | number): Date {
    this.offsetMs = new Date(at).getTime() - Date.now();
    return this.now();
  }
  override advance(ms: number): Date {
    this.offsetMs += ms;
    return this.now();
  }
}

const began = performance.now();
const clock = new TickingClock(Math.floor(Date.now() / 60_000) * 60_000);
/** Settings an operator may pass through: signaling limits, business rules, Redis (shared state). */
const passedEnv = Object.fromEntries(
  Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && (e[0].startsWith('SIGNALING_') || e[0].startsWith('RULES_') || e[0] === 'REDIS_URL')),
);
const t = await createTestApp({ clock, env: passedEnv, timers: realTimers });
const cutoffMs = t.config.rules.registrationCutoffMs;

async function inject(method: 'GET' | 'POST', url: string, user: TestUser, payload?: unknown): Promise<{ statusCode: number; body: string; json: () => unknown }> {
  const res = await t.app.inject({ method, url, headers: user.headers, payload: payload as Record<string, unknown> | undefined });
  return { statusCode: res.statusCode, body: res.body, json: () => res.json() };
}


const admin = await t.user('Bench Admin', { admin: true, id: 'bench-admin' });
const startTime = new Date(clock.now().getTime() + 10 * 60_000);
const slotIds = await pool(userIds(sessions, members), 8, async () => {
  const res = await inject('POST', '/api/slots', admin, { targetLanguageCode: 'en', level: 'B1', startTime: startTime.toISOString(), durationMinutes: 45 });
  if (res.statusCode !== 201) throw new Error(`slot creation failed: ${res.statusCode} ${res.body}`);
  return (res.json() as { id: string }).id;
});
const slotsMs = performance.now() - began;
const users: TestUser[][] = await Promise.all(
  userIds(sessions, members).map((ids, s) => Promise.all(ids.map((id, m) => t.user(`Learner ${s}-${m}`, { id })))),
);
await pool(
  users.flatMap((group, s) => group.map((u) => ({ u, slotId: slotIds[s] }))),
  16,
  async ({ u, slotId }) => {
    const res = await inject('POST', `/api/slots/${slotId}/registrations`, u);
    if (res.statusCode !== 201) throw new Error(`registration of ${u.id} failed: ${res.statusCode} ${res.body}`);
  },
);
const registrationsMs = performance.now() - began - slotsMs;
clock.set(startTime.getTime() - cutoffMs);
await t.services.matchmaking.run(clock.now()); // what the matchmaking sweep does when registration closes
const sessionOf = new Map<string, string>();
await pool(users.flat(), 16, async (u) => {
  const res = await inject('GET', '/api/registrations', u);
  const items = (res.json() as { items: { sessionId: string | null }[] }).items;
  const sessionId = items.find((r) => r.sessionId)?.sessionId;
  if (!sessionId) throw new Error(`${u.id} was not matched into a session: ${res.body}`);
  sessionOf.set(u.id, sessionId);
});
const manifestSessions = users.map((group) => {
  const ids = new Set(group.map((u) => sessionOf.get(u.id)));
  if (ids.size !== 1) throw new Error(`the members of one slot ended up in ${ids.size} sessions`);
  return { id: [...ids][0]!, users: group.map((u) => ({ id: u.id, token: u.token })) };
});
if (new Set(manifestSessions.map((s) => s.id)).size !== sessions) throw new Error('sessions are not distinct');
const setupSeconds = (performance.now() - began) / 1000;
const setupDetail = `slots ${(slotsMs / 1000).toFixed(1)} s, registrations ${(registrationsMs / 1000).toFixed(1)} s, matchmaking and lookups ${(setupSeconds - (slotsMs + registrationsMs) / 1000).toFixed(1)} s`;

const baseUrl = await t.listen();
// The harness started the modules: signaling's liveness timer (pings, heartbeat sweep) runs.

runServerChild(
  {
    kind: 'ours',
    url: baseUrl.replace(/^http/, 'ws'),
    sessions: manifestSessions,
    notes: [
      `ours: ${sessions} slots, ${sessions * members} registrations via REST and one matchmaking run made ${sessions} sessions in ${setupSeconds.toFixed(1)} s (${setupDetail}; database ${t.database.kind}; signaling state ${passedEnv.REDIS_URL ? 'Redis' : 'in-process'})`,
    ],
  },
  {
    settle: () => t.services.signaling.idle(),
    close: () => t.close(),
  },
);
