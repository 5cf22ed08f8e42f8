import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { startService } from './helpers/service-process.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The production build (issue 14): `npm run build` compiles the server into dist/ and the web
 * client into dist/web; `NODE_ENV=production node dist/main.js` then starts without tsx, applies
 * the migrations (a path computed from import.meta.url), serves the web client and the API, and
 * stops cleanly on SIGTERM.
 */
test('npm run build, then node dist/main.js serves the web client and the API and stops with exit 0', { timeout: 240_000 }, async (t) => {
  const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(build.status, 0, `npm run build failed:\n${build.stdout}\n${build.stderr}`);
  for (const file of ['dist/main.js', 'dist/db/client.js', 'dist/web/index.html']) assert.ok(fs.existsSync(path.join(ROOT, file)), `${file} was not built`);
  // Every source file has its JavaScript twin (a worker file loaded by URL needs one too).
  const missing = listTs(path.join(ROOT, 'src'))
    .map((f) => path.relative(path.join(ROOT, 'src'), f).replace(/\.ts$/, '.js'))
    .filter((js) => !fs.existsSync(path.join(ROOT, 'dist', js)));
  assert.deepEqual(missing, []);

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-build-'));
  t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const service = await startService(
    { NODE_ENV: 'production', JWT_SECRET: crypto.randomBytes(32).toString('hex'), DATA_DIR: dataDir, JOBS_INTERVAL: '1s' },
    60_000,
    [path.join(ROOT, 'dist/main.js')],
  );
  t.after(() => service.child.kill('SIGKILL'));
  // No TypeScript loader in the process: it runs the compiled files.
  assert.deepEqual(service.child.spawnargs.slice(1), [path.join(ROOT, 'dist/main.js')]);

  let ready = 0;
  for (let i = 0; i < 200 && ready !== 200; i++) {
    ready = (await fetch(`${service.url}/readyz`)).status;
    if (ready !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(ready, 200, 'readyz never answered 200');

  const page = await fetch(`${service.url}/`);
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /<script[^>]+src="\/assets\/index-[^"]+\.js"/, 'the web client\'s index.html');
  const script = /src="(\/assets\/index-[^"]+\.js)"/.exec(html)![1];
  assert.equal((await fetch(`${service.url}${script}`)).status, 200, 'the web client\'s bundle');

  const slots = await fetch(`${service.url}/api/slots`);
  assert.equal(slots.status, 401);
  assert.equal(((await slots.json()) as { error: { code: string } }).error.code, 'AUTH_REQUIRED');

  service.child.kill('SIGTERM');
  const { code, signal } = await service.exited;
  assert.equal(signal, null);
  assert.equal(code, 0, service.logs.slice(-10).join('\n'));
  assert.ok(service.logs.some((line) => line.includes('"msg":"stopped"')), 'it drained and logged "stopped"');
});

test('after the build, npm start (scripts/start.mjs) runs dist/main.js, says so, and relays SIGTERM', { timeout: 120_000 }, async (t) => {
  // The build of the test above: dist/ is fresh unless a source changed since.
  assert.ok(fs.existsSync(path.join(ROOT, 'dist/main.js')), 'dist/main.js (built by the test above)');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-build-start-'));
  t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const service = await startService({ JWT_SECRET: crypto.randomBytes(32).toString('hex'), DATA_DIR: dataDir }, 60_000, [path.join(ROOT, 'scripts/start.mjs')]);
  t.after(() => service.child.kill('SIGKILL'));
  assert.ok(service.logs.some((line) => line === 'npm start: running the compiled build (node dist/main.js)'), service.logs.slice(0, 3).join('\n'));
  assert.equal((await fetch(`${service.url}/api/slots`)).status, 401);
  service.child.kill('SIGTERM');
  const { code } = await service.exited;
  assert.equal(code, 0, service.logs.slice(-10).join('\n'));
  assert.ok(service.logs.some((line) => line.includes('"msg":"stopped"')), 'the service drained (one SIGTERM relayed, not two)');
});

function listTs(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return listTs(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}
