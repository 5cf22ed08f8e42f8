/**
 * HTTP benchmark (DESIGN 6, issue 14): slot listing and registration throughput and latency of
 * the real process at 100 concurrent connections, on PGlite and on PostgreSQL, next to a bare
 * Fastify route on the same machine, in the same run, with autocannon (programmatic API).
 *
 *   npm run bench:http
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:http
 * The PostgreSQL pass creates a fresh database on DATABASE_URL's server (default: the local one at
 * postgres://postgres@127.0.0.1:5432/postgres, skipped when it does not answer) and drops it.
 * Options: DURATION seconds per measurement (10), WARMUP seconds before each (2), CONNECTIONS
 * (100), DATABASES (pglite,postgres), ENTRY (build: node dist/main.js, built if missing; sources:
 * through tsx), REG_RATE (5000: learner tokens signed per second of registration run; raise it if
 * the run says the pool ran out), IDEMPOTENCY_KEY (1: each registration sends one, as the web
 * client does; 0: none), SERVICE_NODE_ARGS (node flags for the measured processes, e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof`).
 */
import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import autocannon, { type Result } from 'autocannon';
import { ensureBuild, ROOT, startChild, type Entry } from '../service-child.ts';
import { createSlots, learnerTokens, postgresAnswers, signToken, SLOT_CAPACITY, startTarget, type DatabaseKind } from './targets.ts';

const duration = Number(process.env.DURATION ?? 10);
const warmup = Number(process.env.WARMUP ?? 2);
const connections = Number(process.env.CONNECTIONS ?? 100);
const entry = (process.env.ENTRY ?? 'build') as Entry;
const regRate = Number(process.env.REG_RATE ?? 5000);
const idempotencyKey = process.env.IDEMPOTENCY_KEY !== '0';
const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const requested = (process.env.DATABASES ?? 'pglite,postgres').split(',').map((s) => s.trim()).filter(Boolean) as DatabaseKind[];
if (!['build', 'sources'].includes(entry)) throw new Error(`ENTRY must be build or sources, not ${entry}`);
for (const kind of requested) if (kind !== 'pglite' && kind !== 'postgres') throw new Error(`DATABASES: unknown ${kind} (pglite, postgres)`);

interface Row {
  scenario: string;
  database: string;
  result: Result;
  /** Status codes other than 2xx, e.g. `409×3`. */
  notes: string;
}
const rows: Row[] = [];

/** A warm-up run (not kept), then the measured one. */
async function measure(options: Parameters<typeof autocannon>[0]): Promise<Result> {
  if (warmup > 0) await autocannon({ ...options, duration: warmup });
  return autocannon({ ...options, duration });
}

function statusNotes(result: Result): string {
  return Object.entries(result.statusCodeStats)
    .filter(([code]) => !code.startsWith('2'))
    .map(([code, { count }]) => `${code}×${count}`)
    .join(' ');
}

if (entry === 'build') ensureBuild();
const databases: DatabaseKind[] = [];
for (const kind of requested) {
  if (kind === 'postgres' && !(await postgresAnswers(serverUrl))) {
    if (process.env.DATABASE_URL) throw new Error(`DATABASE_URL: no PostgreSQL server answers at ${new URL(serverUrl).host}`);
    console.error(`no PostgreSQL server answers at ${new URL(serverUrl).host}: PostgreSQL skipped`);
    continue;
  }
  databases.push(kind);
}

console.error(`bare Fastify route: ${warmup} s warm-up + ${duration} s at ${connections} connections`);
const bare = await startChild('bare Fastify', ['--import', 'tsx', path.join(ROOT, 'bench/http/bare-server.ts')], {}, '/');
try {
  const result = await measure({ url: `${bare.url}/`, connections });
  rows.push({ scenario: 'bare route GET /', database: '-', result, notes: statusNotes(result) });
} finally {
  await bare.stop();
}

for (const kind of databases) {
  console.error(`${kind}: starting the service (${entry === 'build' ? 'node dist/main.js' : 'tsx src/main.ts'})`);
  const target = await startTarget(kind, entry, serverUrl);
  try {
    const base = target.service.url;
    const poolSize = Math.ceil(((duration + warmup) * regRate) / SLOT_CAPACITY) * SLOT_CAPACITY;
    const slotCount = poolSize / SLOT_CAPACITY;
    console.error(`${kind}: ${slotCount} slots of ${SLOT_CAPACITY} seats, ${poolSize} learner tokens`);
    const admin = await signToken('bench-admin', ['admin']);
    const slotIds = await createSlots(base, admin, slotCount);
    const tokens = await learnerTokens(poolSize, `learner-${kind}`);

    console.error(`${kind}: slot listing`);
    const listing = await measure({ url: `${base}/api/slots`, connections, headers: { authorization: `Bearer ${await signToken('bench-reader')}` } });
    rows.push({ scenario: 'GET /api/slots (first page, 20)', database: kind, result: listing, notes: statusNotes(listing) });

    console.error(`${kind}: registrations`);
    // Each request: the next learner (none registers twice), the slots in turn (spreads the
    // per-slot lock as a real crowd spread over slots would; each slot has room for its share).
    let next = 0;
    const register = (request: { headers?: Record<string, string> }) => {
      const i = next++;
      return {
        ...request,
        method: 'POST',
        path: `/api/slots/${slotIds[i % slotCount]}/registrations`,
        headers: {
          ...request.headers,
          authorization: `Bearer ${tokens[i % poolSize]}`,
          ...(idempotencyKey ? { 'idempotency-key': crypto.randomUUID() } : {}),
        },
      };
    };
    const registrations = await measure({ url: base, connections, requests: [{ setupRequest: register }] });
    const ranOut = next > poolSize ? ` (token pool ran out after ${poolSize}: raise REG_RATE)` : '';
    rows.push({ scenario: `POST registrations${idempotencyKey ? ' (Idempotency-Key)' : ''}`, database: kind, result: registrations, notes: statusNotes(registrations) + ranOut });
  } finally {
    await target.close();
  }
}

// The table: one line per measurement, ratios against the bare route.
const ref = rows[0]!.result;
const fmt = (n: number, digits = 1) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
console.log(`\nHTTP at ${connections} connections, ${duration} s each after ${warmup} s warm-up, service run as ${entry === 'build' ? 'node dist/main.js' : 'tsx src/main.ts'}, Node ${process.version}, ${os.cpus().length} cores, ${new Date().toISOString()}\n`);
console.log('| scenario | database | req/s | p50 | p99 | errors | non-2xx | req/s vs bare | p99 vs bare |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const { scenario, database, result, notes } of rows) {
  // autocannon counts timeouts (no answer within 10 s) among the errors.
  const errors = result.timeouts ? `${result.errors} (${result.timeouts} timeouts)` : String(result.errors);
  console.log(
    `| ${scenario} | ${database} | ${fmt(result.requests.average, 0)} | ${fmt(result.latency.p50)} ms | ${fmt(result.latency.p99)} ms | ${errors} | ${result.non2xx}${notes ? ` (${notes})` : ''} | ${fmt(result.requests.average / ref.requests.average, 3)}x | ${fmt(result.latency.p99 / Math.max(ref.latency.p99, 0.001), 1)}x |`,
  );
}
const onPostgres = rows.find((r) => r.database === 'postgres' && r.scenario.startsWith('POST'));
if (onPostgres) {
  const p99 = onPostgres.result.latency.p99;
  console.log(`\nDESIGN 6 target, registration p99 < 50 ms at ${connections} clients on PostgreSQL: ${fmt(p99)} ms, ${p99 < 50 ? 'met' : 'NOT met'}`);
}
