/**
 * What every server child answers, whichever server it runs: CPU and memory figures of its own
 * process (`process.cpuUsage()` covers every thread of the process: the event loop, the GC and
 * libuv threads, PGlite), a forced GC, an optional in-process CPU profile, and exit.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Session } from 'node:inspector/promises';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import { emit, serve } from '../ipc.ts';

export interface ServerStats {
  /** Total CPU time of the process (user + system), µs. */
  cpuUs: number;
  rss: number;
  /** Anonymous resident memory (heap, malloc, WebAssembly), from /proc/self/status; `rss` elsewhere. */
  rssAnon: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** Committed bytes of V8's heap spaces (new_space, old_space, ...). */
  spaces: Record<string, number>;
  /** Cumulative GC pause time of the main thread, ms. */
  gcMs: number;
  /** Cumulative event-loop active and idle time, ms (`performance.eventLoopUtilization()`). */
  loopActiveMs: number;
  loopIdleMs: number;
  atMs: number;
}

let gcMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration;
}).observe({ entryTypes: ['gc'] });

/** The server's own description of what it created (user ids and tokens the clients use). */
export interface ServerManifest {
  kind: 'ours' | 'bare' | 'peerjs';
  /** Base URL, `ws://127.0.0.1:port`. */
  url: string;
  sessions: { id: string; users: { id: string; token: string }[] }[];
  /** Notes for the report, e.g. how sessions were created. */
  notes: string[];
}

/** RssAnon: unlike `rss`, not moved by the kernel dropping or re-reading pages of the node binary. */
function rssAnon(fallback: number): number {
  try {
    const m = fs.readFileSync('/proc/self/status', 'utf8').match(/^RssAnon:\s+(\d+) kB/m);
    return m ? Number(m[1]) * 1024 : fallback;
  } catch {
    return fallback;
  }
}

function stats(): ServerStats {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.physical_space_size]));
  const elu = performance.eventLoopUtilization();
  return {
    cpuUs: cpu.user + cpu.system,
    rss: mem.rss,
    rssAnon: rssAnon(mem.rss),
    heapUsed: mem.heapUsed,
    external: mem.external,
    arrayBuffers: mem.arrayBuffers,
    spaces,
    gcMs,
    loopActiveMs: elu.active,
    loopIdleMs: elu.idle,
    atMs: performance.now(),
  };
}

async function collectGarbage(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return;
  // Twice, with a turn of the event loop between, so that weak callbacks and finalizers run.
  gc();
  await new Promise((r) => setImmediate(r));
  gc();
}

/**
 * The requests every server process answers (stats, gc, settle, profile-start/stop, exit); shared
 * by the children that run a server in-process (`runServerChild`) and by the probe preloaded into
 * the real service process (`probe.ts`).
 * @param settle resolves once the server's deferred work (e.g. database writes) is done.
 * @param close stops the server; `exit` then ends the process unless `exits` says close does it.
 */
export function serveServerRequests(name: string, hooks: { settle?: () => Promise<void>; close: () => Promise<void>; exits?: boolean }): void {
  let profiler: Session | null = null;
  serve({
    stats: () => stats(),
    gc: async () => {
      await collectGarbage();
      return stats();
    },
    settle: async () => {
      await hooks.settle?.();
      return stats();
    },
    'profile-start': async () => {
      profiler = new Session();
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.setSamplingInterval', { interval: 200 });
      await profiler.post('Profiler.start');
      return null;
    },
    'profile-stop': async (file: string) => {
      if (!profiler) throw new Error('no profile running');
      const { profile } = await profiler.post('Profiler.stop');
      profiler.disconnect();
      profiler = null;
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify(profile));
      return file;
    },
    exit: async () => {
      try {
        await hooks.close();
      } catch (err) {
        console.error(`${name}: close failed`, err);
      }
      if (!hooks.exits) setTimeout(() => process.exit(0), 20); // after the answer went out
      return null;
    },
  });
}

/**
 * Announces the server (`ready` event with its manifest) and answers the parent's requests
 * (`serveServerRequests`).
 */
export function runServerChild(manifest: ServerManifest, hooks: { settle?: () => Promise<void>; close: () => Promise<void> }): void {
  serveServerRequests(manifest.kind, hooks);
  emit('ready', manifest);
}

/**
 * Waits until the event loop has been nearly idle (< 5 % busy) for `quietMs`, at most `limitMs`:
 * the settle of a server whose deferred work the bench cannot await directly.
 */
export async function loopQuiet(quietMs = 500, limitMs = 15_000): Promise<void> {
  const started = performance.now();
  while (performance.now() - started < limitMs) {
    const before = performance.eventLoopUtilization();
    await new Promise((r) => setTimeout(r, quietMs));
    if (performance.eventLoopUtilization(before).utilization < 0.05) return;
  }
}

/** Distinct user ids for `sessions` sessions of `members` (same scheme for every server). */
export function userIds(sessions: number, members: number): string[][] {
  return Array.from({ length: sessions }, (_, s) => Array.from({ length: members }, (_, m) => `bench-${s}-${m}`));
}

/** Runs `fn` over `items` with at most `limit` at a time. */
export async function pool<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], i);
      }
    }),
  );
  return out;
}
