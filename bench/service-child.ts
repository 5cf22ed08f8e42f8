/**
 * The service as its own process for the benchmarks (issue 14): from the sources through tsx (what
 * `npm start` runs on a bare clone) or from the compiled build (`node dist/main.js`), on a free
 * port, ready when `/readyz` answers 200.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** `sources`: `node --import tsx src/main.ts`; `build`: `node dist/main.js`. */
export type Entry = 'sources' | 'build';

export const ENTRY_ARGS: Record<Entry, string[]> = {
  sources: ['--import', 'tsx', path.join(ROOT, 'src/main.ts')],
  build: [path.join(ROOT, 'dist/main.js')],
};

export interface ServiceChild {
  child: ChildProcess;
  pid: number;
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** From spawn to the first `/readyz` 200, ms. */
  readyMs: number;
  /** The last lines the process wrote (stdout and stderr), for error messages. */
  tail: string[];
  /** SIGTERM, then waits for the exit (SIGKILL after 20 s). */
  stop(): Promise<number | null>;
}

/** A TCP port free right now on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Builds dist/ with `npm run build` unless dist/main.js is there already (FORCE_BUILD=1 rebuilds). */
export function ensureBuild(): void {
  if (fs.existsSync(path.join(ROOT, 'dist/main.js')) && process.env.FORCE_BUILD !== '1') return;
  console.error('dist/main.js missing: npm run build');
  const result = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('npm run build failed');
}

/**
 * Spawns the service with `env` (over a minimal PATH/HOME environment, HOST 127.0.0.1 and a free
 * PORT) and polls `/readyz` every 20 ms.
 * @throws Error when it exits first or is not ready within `timeoutMs` (its last lines in the message).
 */
export function startServiceChild(entry: Entry, env: Record<string, string>, timeoutMs = 120_000): Promise<ServiceChild> {
  return startChild(entry, ENTRY_ARGS[entry], env, '/readyz', timeoutMs);
}

/**
 * Spawns `node <args>` with `env` as {@link startServiceChild} does, ready when `readyPath` answers 200.
 * @param label names the process in error messages.
 */
export async function startChild(label: string, args: string[], env: Record<string, string>, readyPath: string, timeoutMs = 120_000): Promise<ServiceChild> {
  const port = await freePort();
  const began = performance.now();
  // SERVICE_NODE_ARGS: node flags for the measured processes (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
  const nodeArgs = (process.env.SERVICE_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    tail.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (tail.length > 30) tail.splice(0, tail.length - 30);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve((exitCode = code))));
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (exitCode !== undefined) throw new Error(`${label} exited (${exitCode}) before ready:\n${tail.join('\n')}`);
    if (performance.now() - began > timeoutMs) {
      child.kill('SIGKILL');
      throw new Error(`${label} not ready within ${timeoutMs} ms:\n${tail.join('\n')}`);
    }
    const status = await fetch(`${url}${readyPath}`).then((r) => r.status, () => 0);
    if (status === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const readyMs = performance.now() - began;
  return {
    child,
    pid: child.pid!,
    url,
    readyMs,
    tail,
    async stop() {
      if (exitCode !== undefined) return exitCode;
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(force);
      return code;
    },
  };
}

/** VmRSS and VmHWM (peak) of a process from /proc/<pid>/status, MB (1 MB = 2^20 bytes). */
export function memoryMb(pid: number): { rss: number; peak: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}
