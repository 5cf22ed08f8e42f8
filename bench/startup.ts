/**
 * Start-up time and idle memory of the service (issue 14), from the sources through tsx (as
 * `npm run dev` runs it) and from the compiled build (`node dist/main.js`, what `npm start` runs,
 * building it first when it is stale), side by side:
 * - first start: an empty DATA_DIR (PGlite creates its data directory);
 * - restart: the same DATA_DIR again.
 * Start-up is spawn → first `/readyz` 200; idle RSS is VmRSS of the service's process (every
 * thread, a PGlite worker included) IDLE seconds after that and again SETTLED seconds after it
 * (by then V8's memory reducer has run: with no request for some seconds it collects and gives
 * back the young generation and the pages start-up left; the jobs still run every 5 s); peak is
 * VmHWM. Rounds interleave the two entries; figures are medians. Embedded defaults (no
 * DATABASE_URL, jobs on, development auth) unless DATABASE_URL is set.
 *
 *   npm run bench:startup
 * Options: ROUNDS (3), IDLE seconds (5), SETTLED seconds (30), FORCE_BUILD=1 rebuilds dist/ first.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureBuild, memoryMb, startServiceChild, type Entry } from './service-child.ts';

const rounds = Number(process.env.ROUNDS ?? 3);
const idleMs = Number(process.env.IDLE ?? 5) * 1000;
const settledMs = Math.max(idleMs, Number(process.env.SETTLED ?? 30) * 1000);
const databaseUrl = process.env.DATABASE_URL;

interface Sample {
  readyMs: number;
  rss: number;
  /** VmRSS at SETTLED seconds after ready, MB. */
  settled: number;
  peak: number;
  exit: number | null;
}
type Phase = 'first start' | 'restart';

ensureBuild();
const entries: Entry[] = ['sources', 'build'];
const samples = new Map<string, Sample[]>();
const key = (entry: Entry, phase: Phase) => `${entry}/${phase}`;

async function measure(entry: Entry, phase: Phase, dataDir: string): Promise<void> {
  const service = await startServiceChild(entry, { DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) });
  await new Promise((resolve) => setTimeout(resolve, idleMs));
  const { rss } = memoryMb(service.pid);
  await new Promise((resolve) => setTimeout(resolve, settledMs - idleMs));
  const later = memoryMb(service.pid);
  const exit = await service.stop();
  const sample = { readyMs: service.readyMs, rss, settled: later.rss, peak: later.peak, exit };
  const list = samples.get(key(entry, phase)) ?? [];
  list.push(sample);
  samples.set(key(entry, phase), list);
  console.error(`  ${entry.padEnd(7)} ${phase.padEnd(11)} ready ${sample.readyMs.toFixed(0).padStart(5)} ms  rss ${sample.rss.toFixed(0).padStart(4)} MB, ${sample.settled.toFixed(0).padStart(4)} MB settled  peak ${sample.peak.toFixed(0).padStart(4)} MB  exit ${exit}`);
}

for (let round = 1; round <= rounds; round++) {
  console.error(`round ${round}/${rounds}`);
  // Alternate which entry goes first, so neither always meets a warmer page cache.
  for (const entry of round % 2 ? entries : [...entries].reverse()) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-startup-'));
    try {
      await measure(entry, 'first start', dataDir);
      await measure(entry, 'restart', dataDir);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const cell = (entry: Entry, phase: Phase, field: 'readyMs' | 'rss' | 'settled' | 'peak') => median(samples.get(key(entry, phase))!.map((s) => s[field]));
const rows: [string, Phase, 'readyMs' | 'rss' | 'settled' | 'peak', string][] = [
  ['start-up (spawn → /readyz 200)', 'first start', 'readyMs', 'ms'],
  ['start-up (spawn → /readyz 200)', 'restart', 'readyMs', 'ms'],
  [`idle RSS (${idleMs / 1000} s after ready)`, 'first start', 'rss', 'MB'],
  [`idle RSS (${idleMs / 1000} s after ready)`, 'restart', 'rss', 'MB'],
  [`idle RSS, settled (${settledMs / 1000} s after ready)`, 'first start', 'settled', 'MB'],
  [`idle RSS, settled (${settledMs / 1000} s after ready)`, 'restart', 'settled', 'MB'],
  ['peak RSS (VmHWM)', 'first start', 'peak', 'MB'],
  ['peak RSS (VmHWM)', 'restart', 'peak', 'MB'],
];
const exits = [...samples.values()].flat().map((s) => s.exit);

console.log(`\nStart-up and idle memory, ${databaseUrl ? 'PostgreSQL (DATABASE_URL)' : 'PGlite (embedded default)'}, medians of ${rounds} rounds, Node ${process.version}, ${os.cpus().length} cores\n`);
console.log('| figure | | sources through tsx (npm run dev) | build (npm start, node dist/main.js) | build / sources |');
console.log('|---|---|---|---|---|');
for (const [label, phase, field, unit] of rows) {
  const sources = cell('sources', phase, field);
  const build = cell('build', phase, field);
  console.log(`| ${label} | ${phase} | ${sources.toFixed(0)} ${unit} | ${build.toFixed(0)} ${unit} | ${(build / sources).toFixed(2)}x |`);
}
console.log(`\nexit codes after SIGTERM: ${exits.every((c) => c === 0) ? 'all 0' : exits.join(', ')}`);
console.log('(the sources are run as `node --import tsx src/main.ts`; npm start builds first when dist/ is stale, not counted above.)');
