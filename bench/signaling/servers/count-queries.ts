/**
 * An experiment's tool, not part of a run: preloaded into ours' process it counts the statements
 * the embedded PGlite receives, by their first 90 characters, and prints the counts to stderr
 * every 2 s (issue 14: queries per admission). PGlite only (PostgreSQL: pg_stat_statements); it
 * patches `RemotePglite`, the main thread's end of the PGlite worker, so it needs the sources
 * (OURS_ENTRY=tsx, the default), where the service loads the same module.
 *
 *   SERVERS=ours SERVER_NODE_ARGS="--import $PWD/bench/signaling/servers/count-queries.ts" npm run bench:signaling
 */
import { RemotePglite } from '../../../src/db/pglite-remote.ts';
const counts = new Map<string, number>();
const proto = RemotePglite.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
for (const m of ['query', 'exec']) {
  const orig = proto[m];
  proto[m] = function (this: unknown, ...a: unknown[]) {
    const k = `${m}: ${String(a[0]).replace(/\s+/g, ' ').slice(0, 90)}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
    return orig.apply(this, a);
  };
}
setInterval(() => {
  if (!counts.size) return;
  const lines = [...counts].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${v}\t${k}`);
  process.stderr.write(`--- queries in the last 2 s\n${lines.join('\n')}\n`);
  counts.clear();
}, 2000).unref();
