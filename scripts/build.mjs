#!/usr/bin/env node
// `npm run build` (issue 14): the server compiled to JavaScript in dist/ (tsconfig.build.json keeps
// src/'s layout, so paths computed from import.meta.url resolve the same from dist/), then the web
// client into dist/web (vite). dist/ is emptied first so no file of a deleted source lingers.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const bin = (pkg, file) => path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file);

fs.rmSync(path.join(ROOT, 'dist'), { recursive: true, force: true });
for (const [what, args] of [
  ['server (tsc -p tsconfig.build.json)', [bin('typescript', 'bin/tsc'), '-p', 'tsconfig.build.json']],
  ['web client (vite build)', [bin('vite', 'bin/vite.js'), 'build', '--config', 'web/vite.config.ts']],
]) {
  console.error(`build: ${what}`);
  const result = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`build: ${what} failed`);
    process.exit(result.status ?? 1);
  }
}
console.error('build: done; run it with `NODE_ENV=production node dist/main.js` or `npm start`');
