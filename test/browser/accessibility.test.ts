/**
 * Issue 15: an axe-core audit (WCAG 2 A and AA rules: `wcag2a`, `wcag2aa`) of every page of the
 * web client — sign-in, slots, private sessions, registrations, history, live courses, a live
 * session, the live room (Jitsi stand-in) with its chat, calendar, admin, teaching, a course's
 * sessions, the waiting room, the call and the recap — in both themes and both languages, with
 * zero violations. Theme and language are switched with the top bar's own switches, so the test
 * also shows they work on every page. With SCREENSHOTS=1 it saves the README's screenshots.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { startStandIn } from './jitsi-stand-in.ts';
import { screenshot, withBrowser } from './support.ts';
import { openAs, openCall, pages, seedWorld, visit } from './world.ts';

const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const COMBINATIONS = [
  { lang: 'en', theme: 'light' },
  { lang: 'en', theme: 'dark' },
  { lang: 'fr', theme: 'light' },
  { lang: 'fr', theme: 'dark' },
] as const;

interface Violation {
  page: string;
  lang: string;
  theme: string;
  id: string;
  help: string;
  nodes: string[];
}

/** Switches language and theme with the page's own switches and checks they took. */
async function switchTo(page: Page, lang: string, theme: string): Promise<void> {
  await page.getByTestId('language-switch').first().selectOption(lang);
  await page.getByTestId('theme-switch').first().selectOption(theme);
  const state = await page.evaluate(() => ({ lang: document.documentElement.lang, theme: document.documentElement.dataset.theme }));
  assert.deepEqual(state, { lang, theme }, 'the switches set the page language and theme');
}

/** Runs axe in all four combinations on the page as it is now. */
async function audit(page: Page, name: string, found: Violation[]): Promise<void> {
  // Evaluated through the DevTools protocol: the page's Content-Security-Policy (no inline scripts) stays as it is.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  for (const { lang, theme } of COMBINATIONS) {
    await switchTo(page, lang, theme);
    // Let React commit the new language (the switch re-renders every page).
    await page.waitForFunction((l) => document.documentElement.lang === l, lang);
    const violations = (await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: { id: string; help: string; nodes: { target: string[]; failureSummary?: string }[] }[] }> } }).axe;
      const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] }, resultTypes: ['violations'] });
      return result.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`) }));
    })) as Omit<Violation, 'page' | 'lang' | 'theme'>[];
    for (const v of violations) found.push({ page: name, lang, theme, ...v });
  }
  await switchTo(page, 'en', 'light');
}

test('axe finds no WCAG 2 A/AA violation on any page, in light and dark, in English and French', { timeout: 300_000 }, async () => {
  const standIn = await startStandIn();
  try {
    await withBrowser({ env: { JITSI_URL: standIn.url } }, async (run) => {
      const world = await seedWorld(run);
      const found: Violation[] = [];
      const audited: string[] = [];

      // The sign-in page, before anyone signs in.
      const context = await run.browser.newContext({ baseURL: run.baseUrl, locale: 'en-US', colorScheme: 'light' });
      const anonymous = await context.newPage();
      await anonymous.goto('/');
      await anonymous.getByTestId('dev-signin-form').waitFor();
      await audit(anonymous, 'sign-in', found);
      audited.push('sign-in');
      await context.close();

      const lea = await openAs(run, world, 'lea');
      const admin = await openAs(run, world, 'admin');
      for (const p of pages(world)) {
        const page = (p.who === 'lea' ? lea : admin).page;
        await visit(page, p);
        await audit(page, p.name, found);
        audited.push(p.name);
        if (['slots', 'live-room'].includes(p.name)) await screenshot(page, p.name);
        if (p.name === 'slots') {
          await switchTo(page, 'fr', 'dark');
          await screenshot(page, 'slots-fr-dark');
          await switchTo(page, 'en', 'light');
        }
      }

      // The call flow: waiting room, call (with a remote tile, its quality and the devices panel), recap.
      const max = await openAs(run, world, 'max');
      await openCall(run, world, lea, max, {
        onWaitingRoom: async () => {
          await lea.page.getByTestId('precall-check').waitFor();
          await audit(lea.page, 'waiting-room', found);
          audited.push('waiting-room');
          await screenshot(lea.page, 'waiting-room');
        },
        onCall: async () => {
          await lea.page.getByTestId('toggle-devices').click();
          await lea.page.getByTestId('call-devices').waitFor();
          await audit(lea.page, 'call', found);
          audited.push('call');
          await lea.page.getByTestId('toggle-devices').click();
          await screenshot(lea.page, 'call');
        },
        onRecap: async () => {
          await audit(lea.page, 'recap', found);
          audited.push('recap');
        },
      });

      assert.equal(audited.length, 15, `pages audited: ${audited.join(', ')}`);
      assert.deepEqual(found, [], `axe violations:\n${JSON.stringify(found, null, 2)}`);
    });
  } finally {
    await standIn.close();
  }
});
