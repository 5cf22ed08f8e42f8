/**
 * Signaling benchmark (DESIGN 6, issue 4): conversation-service's signaling against a bare `ws`
 * relay (the floor) and the PeerJS server, under the same load, on this machine. Each server runs
 * in its own child process (CPU and memory are that process's own) with its own load-generator
 * process (see `loadgen.ts`). The servers are started and connected one after the other; then
 * only one of them is under load at any time: the steady phase alternates between them in short
 * rounds, so that other work on a shared machine falls on all of them alike, and so does the
 * ramp. Prints the tables; asserts nothing.
 *
 *   npm run bench:signaling
 *   SESSIONS=20 DURATION=5 npm run bench:signaling            # a quick check
 *
 * Options (environment):
 *   SESSIONS (250)              sessions of MEMBERS (4) distinct users: 1,000 sockets
 *   RATE (30 per socket)        relayed messages per second, all sockets together (30,000 at 1,000 sockets)
 *   DURATION (20)               seconds of the steady phase
 *   RAMP (10..60 per socket)    rates of the ramp steps, msg/s (10,000, 15,000, ..., 60,000 at 1,000 sockets);
 *                               a failing step is run once more; a server leaves the ramp when both tries fail
 *   ROUNDS (4)                  the steady phase is run in this many rounds, each loading every
 *                               server in turn for DURATION / ROUNDS (one server under load at a time)
 *   RAMP_STEP (3)               seconds per ramp step
 *   SERVERS (bare,peerjs,ours)  which servers, in this order
 *   ICE_PER_SIDE (5)            ICE candidates each side sends per peer pair during setup
 *   CONNECT_CONCURRENCY (25)    sessions joining at the same time
 *   LOADGEN_PROCS (1)           load-generator processes (sessions split between them)
 *   PROFILE (unset)             servers to CPU-profile during the steady phase, e.g. `ours`
 *                               (PROFILE_DIR, default /tmp/signaling-bench-profiles); profiled
 *                               runs are slower: do not compare their figures
 *   PROFILE_CONNECT (unset)     servers to CPU-profile while their sockets connect and mesh (admission)
 *   JSON_OUT (unset)            also write every figure as JSON to this file
 *   QUIET_WAIT (0)              on a shared machine: wait up to this many seconds, before the
 *                               steady phase and before the ramp, until other processes use < 25 % of a core (5 s samples)
 *   LOADGEN_NODE_ARGS (unset)   extra node flags for the load generator, e.g. `--cpu-prof`
 *   SERVER_NODE_ARGS (unset)    extra node flags for every server, e.g. `--trace-gc`
 *   DEBUG_MEMORY (unset)        log each server's memory figures before and after connecting
 *   OURS (process)              how ours runs: `process`, the service as `npm start` starts it
 *                               (`servers/ours-process.ts`: src/main.ts in a child, jobs on, PGlite
 *                               in a temporary DATA_DIR, real clock); `harness`, the app built in
 *                               process by the test harness (in-memory PGlite, jobs not scheduled)
 *   OURS_ENTRY (tsx)            with OURS=process: `tsx` (src/main.ts) or `dist` (node dist/main.js)
 *   OURS_LEAD (10 + 0.02 per registration)   with OURS=process: seconds from slot creation to the
 *                               close of registration (every registration must be in by then)
 *   OURS_LOG_LEVEL (warn)       with OURS=process: the service's LOG_LEVEL (its logs go to stderr)
 *   DATABASE_URL, REDIS_URL, SIGNALING_*, RULES_*, JOBS_INTERVAL   passed to ours (PostgreSQL, Redis state, limits)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Histogram, percentile } from './histogram.ts';
import { forkTs, type ChildHandle } from './ipc.ts';
import { launchOursProcess } from './servers/ours-process.ts';
import type { ConnectResult, Counters, LoadgenInit, PhaseResult } from './loadgen.ts';
import type { ServerKind } from './protocols.ts';
import { LABELS, mergeCounters, renderResults, type PhaseSummary, type ServerResult } from './report.ts';
import type { ServerManifest, ServerStats } from './servers/common.ts';

const env = process.env;
const SESSIONS = Number(env.SESSIONS ?? 250);
const MEMBERS = Number(env.MEMBERS ?? 4);
const SOCKETS = SESSIONS * MEMBERS;
/** Defaults scale with the socket count: 30 msg/s per socket is DESIGN 6's 30,000 msg/s at 1,000 sockets. */
const RATE = Number(env.RATE ?? 30 * SOCKETS);
const DURATION_MS = Number(env.DURATION ?? 20) * 1000;
// Steps of 5 msg/s per socket: with steps of 10 the sustained figure of two close servers flipped by a whole step on one p99 blip.
const RAMP = (env.RAMP ?? [10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60].map((perSocket) => perSocket * SOCKETS).join(','))
  .split(',')
  .map((x) => Number(x.trim()))
  .filter((x) => x > 0);
const RAMP_STEP_MS = Number(env.RAMP_STEP ?? 3) * 1000;
const ROUNDS = Math.max(1, Number(env.ROUNDS ?? 4));
const SERVERS = (env.SERVERS ?? 'bare,peerjs,ours').split(',').map((x) => x.trim()) as ServerKind[];
const ICE_PER_SIDE = Number(env.ICE_PER_SIDE ?? 5);
const CONNECT_CONCURRENCY = Number(env.CONNECT_CONCURRENCY ?? 25);
const LOADGEN_PROCS = Math.max(1, Number(env.LOADGEN_PROCS ?? 1));
const PROFILE = new Set((env.PROFILE ?? '').split(',').filter(Boolean));
const PROFILE_CONNECT = new Set((env.PROFILE_CONNECT ?? '').split(',').filter(Boolean));
const PROFILE_DIR = env.PROFILE_DIR ?? '/tmp/signaling-bench-profiles';
const OURS = env.OURS ?? 'process';
const OURS_ENTRY = env.OURS_ENTRY ?? 'tsx';
const OURS_LEAD_S = Number(env.OURS_LEAD ?? Math.ceil(10 + 0.02 * SOCKETS));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Ours' per-connection message budget, from its configuration (the values quoted if that moved). */
async function signalingLimits(): Promise<{ burst: number; perSecond: number }> {
  try {
    const { loadConfig } = await import('../../src/config.ts');
    const passed = Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('SIGNALING_')));
    const config = loadConfig({ DATA_DIR: '/tmp/cs-bench-unused', ...passed }) as { signaling?: { messageBurst?: number; messagesPerSecond?: number } };
    if (config.signaling?.messagesPerSecond) return { burst: config.signaling.messageBurst ?? 500, perSecond: config.signaling.messagesPerSecond };
  } catch {
    // fall through
  }
  return { burst: 500, perSecond: 100 };
}

async function validateOptions(): Promise<void> {
  const bad: string[] = [];
  if (!(SESSIONS >= 1)) bad.push('SESSIONS must be ≥ 1');
  if (!(MEMBERS >= 2 && MEMBERS <= 8)) bad.push('MEMBERS must be 2..8');
  if (SOCKETS > 55_000) bad.push('at most 55,000 sockets (socket indices travel in a port number)');
  for (const k of SERVERS) if (!['ours', 'bare', 'peerjs'].includes(k)) bad.push(`unknown server "${k}"`);
  if (!(RATE > 0 && DURATION_MS > 0)) bad.push('RATE and DURATION must be > 0');
  if (!['process', 'harness'].includes(OURS)) bad.push('OURS must be process or harness');
  if (!['tsx', 'dist'].includes(OURS_ENTRY)) bad.push('OURS_ENTRY must be tsx or dist');
  if (!(OURS_LEAD_S >= 1)) bad.push('OURS_LEAD must be ≥ 1 (seconds)');
  if (bad.length) {
    console.error(bad.join('\n'));
    process.exit(2);
  }
  const limits = await signalingLimits();
  const perSocket = Math.max(RATE, ...RAMP) / SOCKETS;
  if (perSocket > limits.perSecond) {
    console.warn(`warning: ${perSocket.toFixed(0)} msg/s per socket exceeds ours' limit of ${limits.perSecond}/s (burst ${limits.burst}): expect 4429 closes`);
  }
}

/** Busy and total jiffies of the whole machine (all cores), from /proc/stat; null elsewhere. */
function machineCpu(): { busy: number; total: number } | null {
  try {
    const v = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
    const total = v.reduce((a, b) => a + b, 0);
    return { busy: total - v[3] - v[4], total };
  } catch {
    return null;
  }
}

interface Window {
  server0: ServerStats;
  server1: ServerStats;
  machine0: ReturnType<typeof machineCpu>;
  machine1: ReturnType<typeof machineCpu>;
  /** This orchestrating process's CPU over the window, µs. */
  selfCpuUs: number;
}

/** One stretch of load on one server: what its load generators saw and the CPU counters around it. */
interface Slice {
  durationMs: number;
  parts: PhaseResult[];
  w: Window;
}

/** Figures of one phase of one server, from one or several slices (their counts and times add up). */
function summarize(rate: number, slices: Slice[], idleCpuShare: number): PhaseSummary {
  const parts = slices.flatMap((sl) => sl.parts);
  const hist = Histogram.from(parts.map((p) => p.hist));
  const sum = (f: (sl: Slice) => number) => slices.reduce((a, sl) => a + f(sl), 0);
  const durationMs = sum((sl) => sl.durationMs);
  const sent = parts.reduce((a, p) => a + p.sent, 0);
  const received = parts.reduce((a, p) => a + p.received, 0);
  const lost = sent - received;
  // Per slice: first send → last receive (a server that falls behind delivers late and slower).
  const spanMs = sum((sl) => Math.max(sl.durationMs, ...sl.parts.map((p) => p.deliverSpanMs)));
  const deliveredPerSec = received / (spanMs / 1000);
  const serverCpuUs = sum((sl) => sl.w.server1.cpuUs - sl.w.server0.cpuUs);
  const wallMs = sum((sl) => sl.w.server1.atMs - sl.w.server0.atMs);
  const p99Ms = hist.quantileUs(0.99) / 1000;
  const loadgenCpuUs = parts.reduce((a, p) => a + p.cpuUs, 0);
  const loopActive = sum((sl) => sl.w.server1.loopActiveMs - sl.w.server0.loopActiveMs);
  const loopIdle = sum((sl) => sl.w.server1.loopIdleMs - sl.w.server0.loopIdleMs);
  let othersCpuPct = NaN;
  if (slices.every((sl) => sl.w.machine0 && sl.w.machine1)) {
    const busy = sum((sl) => sl.w.machine1!.busy - sl.w.machine0!.busy);
    const total = sum((sl) => sl.w.machine1!.total - sl.w.machine0!.total);
    if (total > 0) {
      const machinePct = (busy / total) * os.availableParallelism() * 100;
      othersCpuPct = Math.max(0, machinePct - ((serverCpuUs + loadgenCpuUs + sum((sl) => sl.w.selfCpuUs)) / (wallMs * 1000)) * 100);
    }
  }
  return {
    rate,
    attempt: 1,
    durationMs,
    sent,
    received,
    lost,
    deliveredPerSec,
    p50Ms: hist.quantileUs(0.5) / 1000,
    p95Ms: hist.quantileUs(0.95) / 1000,
    p99Ms,
    maxMs: hist.maxUs / 1000,
    meanMs: hist.meanUs() / 1000,
    serverCpuUsPerMsg: received ? serverCpuUs / received : NaN,
    serverNetCpuUsPerMsg: received ? (serverCpuUs - idleCpuShare * wallMs * 1000) / received : NaN,
    serverCpuPct: (serverCpuUs / (wallMs * 1000)) * 100,
    serverLoopPct: (loopActive / (loopActive + loopIdle)) * 100,
    serverGcPct: (sum((sl) => sl.w.server1.gcMs - sl.w.server0.gcMs) / wallMs) * 100,
    loadgenCpuPct: (loadgenCpuUs / (wallMs * 1000)) * 100,
    othersCpuPct,
    loadgenElu: Math.max(...parts.map((p) => p.elu)),
    behindSkipped: parts.reduce((a, p) => a + p.behindSkipped, 0),
    closedSkipped: parts.reduce((a, p) => a + p.closedSkipped, 0),
    counters: mergeCounters(parts.map((p) => p.counters)),
    sustained: p99Ms <= 50 && deliveredPerSec >= 0.95 * rate && lost <= 0.001 * Math.max(1, sent),
  };
}

/** Memory after GC, once the heap stopped shrinking (V8 hands freed pages back lazily). */
async function settledMemory(server: ChildHandle): Promise<ServerStats> {
  let last = await server.request<ServerStats>('gc');
  for (let i = 0; i < 5; i++) {
    await sleep(400);
    const next = await server.request<ServerStats>('gc');
    const stable = Math.abs(next.rss - last.rss) < 256 * 1024;
    last = next;
    if (stable) break;
  }
  return last;
}

function log(msg: string): void {
  process.stderr.write(`[bench:signaling ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

/** Waits (up to QUIET_WAIT s) until the rest of the machine is nearly idle. */
async function waitForQuiet(): Promise<void> {
  const limitMs = Number(env.QUIET_WAIT ?? 0) * 1000;
  if (!limitMs) return;
  const started = performance.now();
  for (;;) {
    const m0 = machineCpu();
    await sleep(5000);
    const m1 = machineCpu();
    if (!m0 || !m1) return;
    const othersPct = ((m1.busy - m0.busy) / (m1.total - m0.total)) * os.availableParallelism() * 100;
    if (othersPct < 25) return;
    if (performance.now() - started > limitMs) {
      log(`the machine is still busy (${othersPct.toFixed(0)}% of a core used by others); going ahead`);
      return;
    }
    log(`waiting for a quieter machine (others use ${othersPct.toFixed(0)}% of a core)`);
  }
}

/** A server with its clients connected, ready to take load. */
interface ServerRun {
  kind: ServerKind;
  server: ChildHandle;
  loadgens: ChildHandle[];
  /** Share of the sessions (and of the rate) of each load generator. */
  shares: number[];
  manifest: ServerManifest;
  mem0: ServerStats;
  mem1: ServerStats;
  conns: ConnectResult[];
  /** Server CPU with every socket connected and no relaying (heartbeats, pings, timers), share of a core. */
  idleCpuShare: number;
  nextPhase: number;
}

/** Starts a server, connects its clients and sets up every session's mesh, measuring memory around it. */
async function startServer(kind: ServerKind, runs: ServerRun[]): Promise<void> {
  log(`${LABELS[kind]}: starting the server (${SESSIONS} sessions of ${MEMBERS})`);
  const nodeArgs = ['--expose-gc', ...(env.SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean)];
  let server: ChildHandle;
  let manifest: Promise<ServerManifest>;
  if (kind === 'ours' && OURS === 'process') {
    ({ server, manifest } = await launchOursProcess({ sessions: SESSIONS, members: MEMBERS, nodeArgs, entry: OURS_ENTRY as 'tsx' | 'dist', leadS: OURS_LEAD_S, log }));
  } else {
    server = forkTs(kind, new URL(`./servers/${kind}.ts`, import.meta.url), { env: { SESSIONS: String(SESSIONS), MEMBERS: String(MEMBERS) }, nodeArgs });
    manifest = server.once<ServerManifest>('ready', 600_000);
  }
  const run: ServerRun = { kind, server, loadgens: [], shares: [], manifest: null as unknown as ServerManifest, mem0: null as unknown as ServerStats, mem1: null as unknown as ServerStats, conns: [], idleCpuShare: 0, nextPhase: 1 };
  runs.push(run); // stopped by the caller, even if the rest fails
  run.manifest = await manifest;
  run.mem0 = await settledMemory(server);
  for (let i = 0; i < LOADGEN_PROCS; i++) {
    const from = Math.floor((i * SESSIONS) / LOADGEN_PROCS);
    const to = Math.floor(((i + 1) * SESSIONS) / LOADGEN_PROCS);
    if (to <= from) continue;
    const gen = forkTs(`${kind} loadgen-${i}`, new URL('./loadgen.ts', import.meta.url), { nodeArgs: (env.LOADGEN_NODE_ARGS ?? '').split(' ').filter(Boolean) });
    run.loadgens.push(gen);
    run.shares.push((to - from) / SESSIONS);
    await gen.request('init', {
      kind,
      url: run.manifest.url,
      sessions: run.manifest.sessions.slice(from, to),
      firstSession: from,
      members: MEMBERS,
      icePerSide: ICE_PER_SIDE,
      connectConcurrency: Math.max(1, Math.round(CONNECT_CONCURRENCY / LOADGEN_PROCS)),
    } satisfies LoadgenInit);
  }
  log(`${LABELS[kind]}: connecting ${SOCKETS} sockets and setting up the meshes`);
  if (PROFILE_CONNECT.has(kind)) await server.request('profile-start');
  run.conns = await Promise.all(run.loadgens.map((g) => g.request<ConnectResult>('connect')));
  if (PROFILE_CONNECT.has(kind)) log(`${LABELS[kind]}: CPU profile written to ${await server.request<string>('profile-stop', path.join(PROFILE_DIR, `${kind}-connect.cpuprofile`))}`);
  await server.request('settle');
  run.mem1 = await settledMemory(server);
  if (env.DEBUG_MEMORY) log(`${kind} memory before/after: ${JSON.stringify({ mem0: run.mem0, mem1: run.mem1 })}`);
  const idle0 = await server.request<ServerStats>('stats');
  await sleep(3000);
  const idle1 = await server.request<ServerStats>('stats');
  run.idleCpuShare = (idle1.cpuUs - idle0.cpuUs) / ((idle1.atMs - idle0.atMs) * 1000);
}

/** Loads one server at `rate` for `durationMs` (the others stay idle), then lets the traffic drain. */
async function slice(run: ServerRun, rate: number, durationMs: number): Promise<Slice> {
  await sleep(1000); // the previous slice's traffic is over
  const id = run.nextPhase++;
  const self0 = process.cpuUsage();
  const machine0 = machineCpu();
  const server0 = await run.server.request<ServerStats>('stats');
  const parts = await Promise.all(run.loadgens.map((g, i) => g.request<PhaseResult>('phase', { id, rate: rate * run.shares[i], durationMs })));
  const server1 = await run.server.request<ServerStats>('stats');
  const machine1 = machineCpu();
  const self = process.cpuUsage(self0);
  return { durationMs, parts, w: { server0, server1, machine0, machine1, selfCpuUs: self.user + self.system } };
}

/** `list` rotated left by `k`: each round starts with another server. */
const rotate = <T>(list: T[], k: number): T[] => list.map((_, i) => list[(i + k) % list.length]);

function resultOf(run: ServerRun, steady: PhaseSummary, ramp: PhaseSummary[], rampCapped: boolean, closes: Counters): ServerResult {
  const { conns, mem0, mem1 } = run;
  const connectMs = conns.flatMap((c) => c.connectMs);
  const meshMs = conns.flatMap((c) => c.meshMs);
  const sockets = connectMs.length;
  const newSpace = (mem1.spaces.new_space ?? 0) - (mem0.spaces.new_space ?? 0);
  let sustainedRate = 0;
  for (const step of ramp) if (step.sustained) sustainedRate = step.rate;
  return {
    kind: run.kind,
    notes: run.manifest.notes,
    sockets,
    idleCpuPct: run.idleCpuShare * 100,
    connect: {
      p50Ms: percentile(connectMs, 0.5),
      p95Ms: percentile(connectMs, 0.95),
      p99Ms: percentile(connectMs, 0.99),
      maxMs: percentile(connectMs, 1),
      failed: conns.reduce((a, c) => a + c.failedSockets, 0),
      listMismatches: conns.reduce((a, c) => a + c.listMismatches, 0),
      spanMs: Math.max(...conns.map((c) => c.spanMs)),
    },
    mesh: {
      p50Ms: percentile(meshMs, 0.5),
      p95Ms: percentile(meshMs, 0.95),
      failed: conns.reduce((a, c) => a + c.failedMeshes, 0),
      spanMs: Math.max(...conns.map((c) => c.spanMs)),
    },
    memory: {
      rssBefore: mem0.rssAnon,
      rssAfter: mem1.rssAnon,
      // Anonymous RSS, less the young generation's growth (it follows the allocation rate, not what connections hold).
      rssPerConnKiB: (mem1.rssAnon - mem0.rssAnon - newSpace) / Math.max(1, sockets) / 1024,
      newSpaceDeltaMiB: newSpace / 2 ** 20,
      heapPerConnKiB: (mem1.heapUsed + mem1.external - (mem0.heapUsed + mem0.external)) / Math.max(1, sockets) / 1024,
    },
    steady,
    ramp,
    sustainedRate,
    rampCapped,
    closeCounters: closes,
    setupCounters: mergeCounters(conns.map((c) => c.counters)),
  };
}

async function benchAll(): Promise<ServerResult[]> {
  const runs: ServerRun[] = [];
  try {
    for (const kind of SERVERS) await startServer(kind, runs);

    // Steady load: ROUNDS rounds, each loading every server in turn for DURATION / ROUNDS, so that
    // a burst of other work on a shared machine falls on all of them alike.
    await waitForQuiet();
    const sliceMs = DURATION_MS / ROUNDS;
    for (const run of runs) if (PROFILE.has(run.kind)) await run.server.request('profile-start');
    const steadySlices = new Map<ServerKind, Slice[]>(runs.map((r) => [r.kind, []]));
    for (let round = 0; round < ROUNDS; round++) {
      log(`steady ${RATE} msg/s, round ${round + 1}/${ROUNDS}: ${sliceMs / 1000} s per server`);
      for (const run of rotate(runs, round)) steadySlices.get(run.kind)!.push(await slice(run, RATE, sliceMs));
    }
    for (const run of runs) {
      if (PROFILE.has(run.kind)) log(`${LABELS[run.kind]}: CPU profile written to ${await run.server.request<string>('profile-stop', path.join(PROFILE_DIR, `${run.kind}-steady.cpuprofile`))}`);
    }

    // Ramp: each step on every server still in, in turn. A failing step is run once more (after
    // other processes have calmed down, if they were busy): a 3 s step's p99 near the 50 ms line
    // flips on one blip, for every server alike. A server leaves when both tries fail.
    await waitForQuiet();
    const ramps = new Map<ServerKind, PhaseSummary[]>(runs.map((r) => [r.kind, []]));
    const capped = new Set<ServerKind>();
    for (const [i, rate] of RAMP.entries()) {
      const active = runs.filter((r) => !capped.has(r.kind));
      if (!active.length) break;
      log(`ramp step ${rate} msg/s: ${active.map((r) => LABELS[r.kind]).join(', ')}`);
      for (const run of rotate(active, i)) {
        const first = summarize(rate, [await slice(run, rate, RAMP_STEP_MS)], run.idleCpuShare);
        ramps.get(run.kind)!.push(first);
        if (first.sustained) continue;
        if (first.othersCpuPct > 25) await waitForQuiet();
        const second = { ...summarize(rate, [await slice(run, rate, RAMP_STEP_MS)], run.idleCpuShare), attempt: 2 };
        ramps.get(run.kind)!.push(second);
        if (!second.sustained) capped.add(run.kind);
      }
    }

    log('closing');
    const results: ServerResult[] = [];
    for (const run of runs) {
      const closes = await Promise.all(run.loadgens.map((g) => g.request<{ closed: number; counters: Counters }>('close')));
      const steady = summarize(RATE, steadySlices.get(run.kind)!, run.idleCpuShare);
      results.push(resultOf(run, steady, ramps.get(run.kind)!, capped.has(run.kind), mergeCounters(closes.map((c) => c.counters))));
    }
    return results;
  } finally {
    for (const run of runs) {
      await Promise.all(run.loadgens.map((g) => g.request('exit').catch(() => undefined)));
      await Promise.all(run.loadgens.map((g) => g.stop(5_000)));
      await run.server.request('exit').catch(() => undefined);
      await run.server.stop();
    }
  }
}

await validateOptions();
const began = performance.now();
const results = await benchAll();

const cpuModel = os.cpus()[0]?.model ?? 'unknown CPU';
const header = [
  `Signaling benchmark: ${SESSIONS} sessions x ${MEMBERS} = ${SOCKETS} sockets per server, ${RATE.toLocaleString('en-US')} msg/s for ${DURATION_MS / 1000} s (${(RATE / SOCKETS).toFixed(0)} msg/s per socket), ICE ${ICE_PER_SIDE} per side per pair at setup`,
  `machine: ${os.availableParallelism()} cores (${cpuModel}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, ${os.type()} ${os.release()}; load ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
  `one server loaded at a time, in ${ROUNDS} alternating rounds of ${DURATION_MS / ROUNDS / 1000} s each (${SERVERS.map((k) => LABELS[k]).join(', ')}); ${LOADGEN_PROCS} load-generator process(es) per server`,
].join('\n');
console.log(renderResults(results, header));
console.log(`\ntotal time ${((performance.now() - began) / 1000).toFixed(0)} s`);
if (env.JSON_OUT) {
  fs.writeFileSync(
    env.JSON_OUT,
    JSON.stringify({ options: { SESSIONS, MEMBERS, RATE, DURATION_MS, ROUNDS, RAMP, RAMP_STEP_MS, ICE_PER_SIDE, CONNECT_CONCURRENCY, LOADGEN_PROCS }, results }, null, 2),
  );
  log(`figures written to ${env.JSON_OUT}`);
}
