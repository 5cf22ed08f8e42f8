#!/usr/bin/env node
// Runs the test suite with node's test runner: every *.test.ts under test/ (or the paths given),
// but those under a folder named with --exclude=<folder> (repeatable).
// Node 20 has no glob for --test, so the files are listed here.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

function collect(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return collect(full);
    return entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

const argv = process.argv.slice(2);
const excluded = argv.filter((a) => a.startsWith('--exclude=')).map((a) => path.resolve(a.slice('--exclude='.length)) + path.sep);
const args = argv.filter((a) => !a.startsWith('--exclude='));
const files = (args.length ? args : ['test'])
  .flatMap((p) => (fs.statSync(p).isDirectory() ? collect(p) : [p]))
  .filter((f) => !excluded.some((dir) => path.resolve(f).startsWith(dir)))
  .sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// Browser tests run one file at a time, after the others: each drives several Chromium pages
// with live media, and two such files side by side on a 2-core machine starve each other.
const isBrowser = (f) => path.resolve(f).startsWith(path.resolve('test/browser') + path.sep);
// TEST_CONCURRENCY (default 2) sets how many of the other files run at once: .ci/run gives 1 on
// Node 24, where PGlite's WebAssembly starting in two processes at once can crash one of them
// (SIGSEGV, nodejs/node#64500, electric-sql/pglite#1053). What looked like it was seen here once
// (2026-12-03): a file ended without a word after its first suite had passed.
const concurrency = Number(process.env.TEST_CONCURRENCY ?? 2);
if (!Number.isInteger(concurrency) || concurrency < 1) {
  console.error(`TEST_CONCURRENCY must be a positive integer, not ${process.env.TEST_CONCURRENCY}`);
  process.exit(1);
}
const runs = [
  { files: files.filter((f) => !isBrowser(f)), concurrency },
  { files: files.filter(isBrowser), concurrency: 1 },
].filter((r) => r.files.length > 0);
let status = 0;
for (const run of runs) {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', `--test-concurrency=${run.concurrency}`, '--test-timeout=300000', ...run.files],
    { stdio: 'inherit' },
  );
  if (result.status !== 0) status = result.status ?? 1;
}
process.exit(status);
