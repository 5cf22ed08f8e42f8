#!/usr/bin/env node
// `npm run build` (issue 14): the server compiled to JavaScript in dist/ (tsconfig.build.json keeps
// src/'s layout, so paths computed from import.meta.url resolve the same from dist/: the
// migrations at ../../drizzle from dist/db/client.js, the web client at dist/web), then the web
// client into dist/web (vite, the config `npm run build:web` uses).
// Both are built into dist.next/ beside it, then swapped in: no file of a deleted source lingers,
// and a running service or test that serves dist/web misses it for a moment only, not for the
// ~20 s of a build (test/build.test.ts builds while other test files run).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const bin = (pkg, file) => path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file);
const DIST = path.join(ROOT, 'dist');
const NEXT = path.join(ROOT, `dist.next-${process.pid}`);
const OLD = path.join(ROOT, `dist.old-${process.pid}`);

fs.rmSync(NEXT, { recursive: true, force: true });
const steps = [
  ['server (tsc -p tsconfig.build.json)', [bin('typescript', 'bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', NEXT]],
  ['web client (vite build)', [bin('vite', 'bin/vite.js'), 'build', '--config', 'web/vite.config.ts', '--outDir', path.join(NEXT, 'web'), '--emptyOutDir', '--logLevel', 'warn']],
];
for (const [what, args] of steps) {
  console.error(`build: ${what}`);
  const result = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) {
    fs.rmSync(NEXT, { recursive: true, force: true });
    console.error(`build: ${what} failed`);
    process.exit(result.status ?? 1);
  }
}
if (fs.existsSync(DIST)) fs.renameSync(DIST, OLD);
fs.renameSync(NEXT, DIST);
fs.rmSync(OLD, { recursive: true, force: true });
console.error('build: done, in dist/; run it with `NODE_ENV=production node dist/main.js` or `npm start`');
