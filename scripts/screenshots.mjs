#!/usr/bin/env node
// `npm run screenshots`: runs the browser tests that take the README's screenshots with
// SCREENSHOTS=1, which makes them write docs/screenshots/*.png (test/browser/support.ts `screenshot`).
import { spawnSync } from 'node:child_process';

const files = ['test/browser/accessibility.test.ts', 'test/browser/phone-theme.test.ts', 'test/browser/admin-slots.test.ts', 'test/browser/languages.test.ts'];
// One file at a time: each runs several Chromium pages with video on a small machine.
for (const file of files) {
  const result = spawnSync(process.execPath, ['scripts/test.mjs', file], { stdio: 'inherit', env: { ...process.env, SCREENSHOTS: '1' } });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
