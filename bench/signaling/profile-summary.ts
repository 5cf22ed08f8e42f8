/**
 * Summarises a `.cpuprofile` (e.g. from `PROFILE=ours npm run bench:signaling`): self time by
 * function and by package/area, and total (inclusive) time of the service's own functions.
 *
 *   npx tsx bench/signaling/profile-summary.ts /tmp/signaling-bench-profiles/ours-steady.cpuprofile [top=25]
 */
import fs from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: Node[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

const file = process.argv[2];
const top = Number(process.argv[3] ?? 25);
if (!file) {
  console.error('usage: profile-summary.ts <file.cpuprofile> [top]');
  process.exit(2);
}
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// Self time per node from samples and time deltas (µs).
const selfUs = new Map<number, number>();
const samples = profile.samples ?? [];
const deltas = profile.timeDeltas ?? [];
for (let i = 0; i < samples.length; i++) selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + (deltas[i + 1] ?? deltas[i] ?? 0));
const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);

function where(n: Node): string {
  const url = n.callFrame.url;
  if (!url) return '(native/V8)';
  const m = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (m) return m[1];
  if (url.startsWith('node:')) return 'node core';
  const src = url.match(/\/(src\/.*|bench\/.*|test\/.*)$/);
  return src ? src[1].replace(/\/[^/]+$/, '/') : url;
}
function label(n: Node): string {
  const url = n.callFrame.url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules|src|bench|test)\//, '$1/');
  return `${n.callFrame.functionName || '(anonymous)'} ${url ? `${url}:${n.callFrame.lineNumber + 1}` : ''}`.trim();
}

const pct = (us: number) => `${((us / totalUs) * 100).toFixed(1).padStart(5)} %`;
const fnSelf = new Map<string, number>();
const areaSelf = new Map<string, number>();
for (const [id, us] of selfUs) {
  const n = byId.get(id)!;
  fnSelf.set(label(n), (fnSelf.get(label(n)) ?? 0) + us);
  areaSelf.set(where(n), (areaSelf.get(where(n)) ?? 0) + us);
}

// Inclusive time of the service's functions: each sample counted once per distinct function on its stack.
const inclusive = new Map<string, number>();
for (const [id, us] of selfUs) {
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const n = byId.get(cur)!;
    if (!/\/src\//.test(n.callFrame.url)) continue;
    const l = label(n);
    if (seen.has(l)) continue;
    seen.add(l);
    inclusive.set(l, (inclusive.get(l) ?? 0) + us);
  }
}

const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
console.log(`${file}: ${(totalUs / 1e6).toFixed(2)} s of samples over ${((profile.endTime - profile.startTime) / 1e6).toFixed(2)} s\n`);
console.log('Self time by area:');
for (const [k, v] of sorted(areaSelf).slice(0, 15)) console.log(`  ${pct(v)}  ${k}`);
console.log(`\nSelf time by function (top ${top}):`);
for (const [k, v] of sorted(fnSelf).slice(0, top)) console.log(`  ${pct(v)}  ${k}`);
console.log('\nInclusive time of src/ functions:');
for (const [k, v] of sorted(inclusive).slice(0, top)) console.log(`  ${pct(v)}  ${k}`);
