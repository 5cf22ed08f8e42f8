#!/usr/bin/env node
// `npm start` (issue 14): runs the compiled build, building it first when there is no fresh one.
// - compiled: `dist/main.js` exists and neither it nor `dist/web/index.html` is older than any file
//   under src/ or web/ (`npm run build` wrote them): `node dist/main.js`, no TypeScript loader.
// - otherwise (a bare clone, or a build older than the sources): `npm run build` first, then the
//   same. `npm run dev` runs the sources through tsx (watching them).
// Either runs as a child process; NODE_ENV and the rest of the environment pass through unchanged.
// It prints which of the two it runs, on stderr (stdout is the service's JSON log).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST_MAIN = path.join(ROOT, 'dist/main.js');
const DIST_WEB = path.join(ROOT, 'dist/web/index.html');

/** Newest modification time (ms) of the files under `dir`, with the file's path; node_modules and dist skipped. */
function newest(dir) {
  let best = { mtimeMs: 0, file: '' };
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const full = path.join(dir, entry.name);
    const candidate = entry.isDirectory() ? newest(full) : { mtimeMs: fs.statSync(full).mtimeMs, file: full };
    if (candidate.mtimeMs > best.mtimeMs) best = candidate;
  }
  return best;
}

/** Why the compiled build cannot be used, or null when it is fresh. */
function staleReason() {
  if (!fs.existsSync(DIST_MAIN)) return 'no dist/main.js (run `npm run build` for the compiled build)';
  if (!fs.existsSync(DIST_WEB)) return 'no dist/web/index.html (run `npm run build`)';
  const built = Math.min(fs.statSync(DIST_MAIN).mtimeMs, fs.statSync(DIST_WEB).mtimeMs);
  for (const dir of ['src', 'web']) {
    const { mtimeMs, file } = newest(path.join(ROOT, dir));
    if (mtimeMs > built) return `dist/ is older than ${path.relative(ROOT, file)} (run \`npm run build\` again)`;
  }
  return null;
}

/**
 * Runs the service as a child in its own process group and relays stop requests to it once.
 * Own group: the terminal's Ctrl-C reaches only this process, and npm forwards it here too; the
 * same signal again within 100 ms is that one request arriving twice (the service takes a second
 * signal as "exit now" instead of draining). A later one is relayed: a second Ctrl-C still forces.
 */
function run(args) {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: 'inherit', detached: true });
  const lastRelayed = new Map();
  const relay = (signal) => {
    const now = Date.now();
    if (now - (lastRelayed.get(signal) ?? 0) < 100) return;
    lastRelayed.set(signal, now);
    child.kill(signal);
  };
  process.on('SIGINT', () => relay('SIGINT'));
  process.on('SIGTERM', () => relay('SIGTERM'));
  process.on('SIGHUP', () => relay('SIGTERM')); // terminal closed: the service has no terminal of its own
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 143)));
}

const reason = staleReason();
if (reason === null) {
  console.error('npm start: running the compiled build (node dist/main.js)');
  run([DIST_MAIN]);
} else {
  // A bare clone or edited sources: build first (about 15-30 s), then run the build. The compiled
  // process idles some 100 MB lower than the sources through tsx (issue 14: under 250 MB).
  console.error(`npm start: building first (npm run build): ${reason}`);
  const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) {
    console.error('npm start: the build failed (see above); `npm run dev` runs the sources through tsx');
    process.exit(build.status ?? 1);
  }
  console.error('npm start: running the compiled build (node dist/main.js)');
  run([DIST_MAIN]);
}
