/** Figures per server and the comparison against DESIGN section 6, as plain-text tables. */
import type { Counters } from './loadgen.ts';
import type { ServerKind } from './protocols.ts';

export interface PhaseSummary {
  rate: number;
  durationMs: number;
  sent: number;
  received: number;
  lost: number;
  deliveredPerSec: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  serverCpuUsPerMsg: number;
  /** The same minus the server's idle CPU (measured with every socket connected and no traffic). */
  serverNetCpuUsPerMsg: number;
  /** Server CPU over the phase, % of one core (every thread of the process). */
  serverCpuPct: number;
  /** The server's event loop: % of the time busy (its main thread's saturation). */
  serverLoopPct: number;
  /** GC pauses of the server's main thread, % of the time. */
  serverGcPct: number;
  loadgenCpuPct: number;
  /** CPU used by other processes of the machine over the phase (from /proc/stat), % of a core. */
  othersCpuPct: number;
  loadgenElu: number;
  behindSkipped: number;
  closedSkipped: number;
  counters: Counters;
  /** p99 ≤ 50 ms, ≥ 95 % of the target rate delivered, < 0.1 % lost. */
  sustained: boolean;
  /** 1, or 2 for a ramp step run again because its first try failed. */
  attempt: number;
}

export interface ServerResult {
  kind: ServerKind;
  notes: string[];
  sockets: number;
  /** Server CPU with every socket connected and nothing relayed, % of a core. */
  idleCpuPct: number;
  connect: { p50Ms: number; p95Ms: number; p99Ms: number; maxMs: number; failed: number; listMismatches: number; spanMs: number };
  mesh: { p50Ms: number; p95Ms: number; failed: number; spanMs: number };
  memory: { rssBefore: number; rssAfter: number; rssPerConnKiB: number; newSpaceDeltaMiB: number; heapPerConnKiB: number };
  steady: PhaseSummary;
  ramp: PhaseSummary[];
  /** Highest ramp rate that passed (in one of its two tries), with every lower step passing too; 0 when none. */
  sustainedRate: number;
  /** The ramp stopped at a failing step (or ran out of steps). */
  rampCapped: boolean;
  closeCounters: Counters;
  setupCounters: Counters;
}

export const LABELS: Record<ServerKind, string> = { ours: 'ours', bare: 'bare ws', peerjs: 'PeerJS' };

const f = (v: number, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : '-');
const n = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '-');

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('   ')).join('\n');
}

function anomalies(c: Counters): string {
  const parts: string[] = [];
  if (c.misdelivered) parts.push(`${c.misdelivered} misdelivered`);
  if (c.corruptedSdp) parts.push(`${c.corruptedSdp} corrupted SDP`);
  if (c.badFrames) parts.push(`${c.badFrames} unparsable frames`);
  for (const [code, k] of Object.entries(c.errorFrames)) parts.push(`${k} error frames ${code}`);
  for (const [code, k] of Object.entries(c.unexpectedCloses)) parts.push(`${k} closes ${code}`);
  for (const [type, k] of Object.entries(c.other)) parts.push(`${k} unexpected "${type}"`);
  return parts.join(', ') || 'none';
}

export function mergeCounters(list: Counters[]): Counters {
  const out: Counters = { misdelivered: 0, corruptedSdp: 0, badFrames: 0, errorFrames: {}, unexpectedCloses: {}, other: {} };
  const add = (a: Record<string, number>, b: Record<string, number>) => {
    for (const [k, v] of Object.entries(b)) a[k] = (a[k] ?? 0) + v;
  };
  for (const c of list) {
    out.misdelivered += c.misdelivered;
    out.corruptedSdp += c.corruptedSdp;
    out.badFrames += c.badFrames;
    add(out.errorFrames, c.errorFrames);
    add(out.unexpectedCloses, c.unexpectedCloses);
    add(out.other, c.other);
  }
  return out;
}

export function renderResults(results: ServerResult[], header: string): string {
  const cols = results.map((r) => LABELS[r.kind]);
  const row = (label: string, fn: (r: ServerResult) => string) => [label, ...results.map(fn)];
  const s = (r: ServerResult) => r.steady;
  const main = table([
    ['', ...cols],
    row('connect p50 / p95 / p99 (ms)', (r) => `${f(r.connect.p50Ms)} / ${f(r.connect.p95Ms)} / ${f(r.connect.p99Ms)}`),
    row('mesh setup p50 / p95 (ms)', (r) => `${f(r.mesh.p50Ms)} / ${f(r.mesh.p95Ms)}`),
    row('all sockets admitted + meshed in (s)', (r) => f(r.mesh.spanMs / 1000, 2)),
    row('relay latency p50 (ms)', (r) => f(s(r).p50Ms, 2)),
    row('relay latency p95 (ms)', (r) => f(s(r).p95Ms, 2)),
    row('relay latency p99 (ms)', (r) => f(s(r).p99Ms, 2)),
    row('relay latency max (ms)', (r) => f(s(r).maxMs, 2)),
    row('delivered msg/s (target)', (r) => `${n(s(r).deliveredPerSec)} (${n(s(r).rate)})`),
    row('sent / received / lost', (r) => `${n(s(r).sent)} / ${n(s(r).received)} / ${n(s(r).lost)}`),
    row('server CPU per relayed msg (µs)', (r) => f(s(r).serverCpuUsPerMsg, 1)),
    row('  same, net of idle CPU (µs)', (r) => f(s(r).serverNetCpuUsPerMsg, 1)),
    row('server CPU (% of a core; idle)', (r) => `${f(s(r).serverCpuPct, 0)} (idle ${f(r.idleCpuPct, 1)})`),
    row('server event loop busy / in GC (%)', (r) => `${f(s(r).serverLoopPct, 0)} / ${f(s(r).serverGcPct, 1)}`),
    row('load generator CPU (% of a core)', (r) => `${f(s(r).loadgenCpuPct, 0)} (loop ${f(s(r).loadgenElu * 100, 0)}% busy)`),
    row('other processes on the machine (% of a core)', (r) => f(s(r).othersCpuPct, 0)),
    row('memory per connection, RSS growth (KiB)', (r) => f(r.memory.rssPerConnKiB, 1)),
    row('memory per connection, JS heap+external (KiB)', (r) => f(r.memory.heapPerConnKiB, 1)),
    row('sustained msg/s with p99 ≤ 50 ms', (r) => (r.sustainedRate ? `${r.rampCapped ? '' : '≥ '}${n(r.sustainedRate)}` : `< ${n(r.ramp[0]?.rate ?? 0)}`)),
  ]);
  const ramps = results
    .map((r) => {
      const rows = [
        ['  target msg/s', 'delivered/s', 'p50 ms', 'p99 ms', 'max ms', 'lost', 'srv CPU µs/msg', 'srv CPU %', 'srv loop %', 'gen CPU %', 'others CPU %', 'sustained'],
        ...r.ramp.map((p) => [
          `  ${n(p.rate)}${p.attempt > 1 ? ' (2nd try)' : ''}`,
          n(p.deliveredPerSec),
          f(p.p50Ms, 2),
          f(p.p99Ms, 2),
          f(p.maxMs, 1),
          n(p.lost),
          f(p.serverCpuUsPerMsg, 1),
          f(p.serverCpuPct, 0),
          f(p.serverLoopPct, 0),
          f(p.loadgenCpuPct, 0),
          f(p.othersCpuPct, 0),
          p.sustained ? 'yes' : 'NO',
        ]),
      ];
      return `${LABELS[r.kind]}:\n${table(rows)}`;
    })
    .join('\n');
  const checks = results
    .map((r) => {
      const lines = [
        `  setup: ${anomalies(r.setupCounters)}${r.connect.failed ? `; ${r.connect.failed} sockets not admitted` : ''}${r.mesh.failed ? `; ${r.mesh.failed} meshes incomplete` : ''}${r.connect.listMismatches ? `; ${r.connect.listMismatches} wrong participant lists` : ''}`,
        `  steady: ${anomalies(r.steady.counters)}${r.steady.closedSkipped ? `; ${n(r.steady.closedSkipped)} sends skipped (socket closed)` : ''}${r.steady.behindSkipped ? `; ${n(r.steady.behindSkipped)} sends skipped (generator > 200 ms behind)` : ''}`,
        `  ramp: ${anomalies(mergeCounters(r.ramp.map((p) => p.counters)))}`,
        `  close: ${anomalies(r.closeCounters)}`,
      ];
      return `${LABELS[r.kind]}:\n${lines.join('\n')}`;
    })
    .join('\n');
  return [
    header,
    '',
    main,
    '',
    'Ramp (short steps; sustained = highest step with p99 ≤ 50 ms, ≥ 95 % delivered, < 0.1 % lost; a failing step is tried twice):',
    ramps,
    '',
    'Correctness (every relayed frame checked: right socket, right fromUserId/src, intact payload):',
    checks,
    '',
    renderTargets(results),
    ...warnings(results),
    ...results.flatMap((r) => r.notes).map((x) => `note: ${x}`),
  ].join('\n');
}

/** Signs that a figure measures the machine rather than the server. */
function warnings(results: ServerResult[]): string[] {
  const out: string[] = [];
  for (const r of results) {
    const p = r.steady;
    const planned = p.sent + p.behindSkipped;
    if (p.behindSkipped > 0.005 * planned || p.loadgenElu > 0.9) {
      out.push(
        `WARNING ${LABELS[r.kind]}: the load generator could not keep up (event loop ${f(p.loadgenElu * 100, 0)}% busy, ${n(p.behindSkipped)} sends skipped): its latency figures include the generator's own queueing.`,
      );
    }
    if (p.othersCpuPct > 25) out.push(`WARNING ${LABELS[r.kind]}: other processes used ${f(p.othersCpuPct, 0)}% of a core during the steady phase: figures are noisy.`);
  }
  return out.length ? ['', ...out] : [];
}

/** Ratios of ours to the bare relay and to PeerJS against DESIGN section 6. */
export function renderTargets(results: ServerResult[]): string {
  const ours = results.find((r) => r.kind === 'ours');
  const bare = results.find((r) => r.kind === 'bare');
  const peer = results.find((r) => r.kind === 'peerjs');
  if (!ours) return 'DESIGN 6 targets: not evaluated (ours was not run).';
  const ratio = (a: number, b: number | undefined) => (b === undefined || !Number.isFinite(a / b) ? '-' : `${(a / b).toFixed(2)}x`);
  const verdict = (ok: boolean | undefined) => (ok === undefined ? 'n/a' : ok ? 'met' : 'NOT met');
  const p99ok = bare && peer ? ours.steady.p99Ms <= 1.5 * bare.steady.p99Ms && ours.steady.p99Ms < peer.steady.p99Ms : undefined;
  const cpuOk = bare ? ours.steady.serverCpuUsPerMsg <= 1.3 * bare.steady.serverCpuUsPerMsg : undefined;
  // Undecided when neither sustained even the first step (the machine, not the servers, is the limit).
  const sustOk = peer && (ours.sustainedRate > 0 || peer.sustainedRate > 0) ? ours.sustainedRate >= peer.sustainedRate : undefined;
  const memKiB = Math.max(ours.memory.rssPerConnKiB, ours.memory.heapPerConnKiB);
  const memOk = memKiB <= 20;
  const admitOk = bare ? ours.connect.p50Ms <= 2 * bare.connect.p50Ms : undefined;
  const rows = [
    ['DESIGN 6 target', 'ours/bare', 'ours/PeerJS', 'target', 'verdict'],
    ['relay p99 at the steady load', ratio(ours.steady.p99Ms, bare?.steady.p99Ms), ratio(ours.steady.p99Ms, peer?.steady.p99Ms), '≤ 1.5x bare and < 1x PeerJS', verdict(p99ok)],
    ['server CPU per relayed message', ratio(ours.steady.serverCpuUsPerMsg, bare?.steady.serverCpuUsPerMsg), ratio(ours.steady.serverCpuUsPerMsg, peer?.steady.serverCpuUsPerMsg), '≤ 1.3x bare', verdict(cpuOk)],
    ['sustained throughput (p99 ≤ 50 ms)', ratio(ours.sustainedRate, bare?.sustainedRate), ratio(ours.sustainedRate, peer?.sustainedRate), '≥ 1x PeerJS', verdict(sustOk)],
    ['memory per connection (larger of the two)', `${f(memKiB)} KiB`, '', '≤ 20 KiB', verdict(memOk)],
    ['issue 14: connect + join p50', ratio(ours.connect.p50Ms, bare?.connect.p50Ms), ratio(ours.connect.p50Ms, peer?.connect.p50Ms), '≤ 2x bare', verdict(admitOk)],
    ['seed: relay latency', `p99 ${f(ours.steady.p99Ms, 1)} ms`, '', '< 100 ms', verdict(ours.steady.p99Ms < 100)],
  ];
  return table(rows);
}
