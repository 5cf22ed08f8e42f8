/**
 * Issue 15 in real headless Chromium:
 * - phones: at 390×844 no page is wider than the screen (`scrollWidth <= innerWidth`), in English
 *   and in French; the top bar folds into a menu that navigates; the call reflows its grid and
 *   keeps its controls in a bar at the bottom of the screen, within reach of a thumb;
 * - dark mode: it follows `prefers-color-scheme`, the top bar's switch sets light or dark over it
 *   (computed colours change), the choice is remembered across a reload, and "system" follows the
 *   system again.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { startStandIn } from './jitsi-stand-in.ts';
import { eventually, screenshot, withBrowser } from './support.ts';
import { openAs, openCall, pages, seedWorld, visit } from './world.ts';

const PHONE = { width: 390, height: 844 };

/** How far the page is wider than the screen (0 when it fits). */
const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

test('every page and the call fit a 390×844 phone, in English and in French; the menu navigates; the call controls sit at the bottom', { timeout: 300_000 }, async () => {
  const standIn = await startStandIn();
  try {
    await withBrowser({ env: { JITSI_URL: standIn.url } }, async (run) => {
      const world = await seedWorld(run);
      const lea = await openAs(run, world, 'lea', { viewport: PHONE });
      const admin = await openAs(run, world, 'admin', { viewport: PHONE, locale: 'fr-FR' });
      const wide: string[] = [];

      // The top bar: brand, user and Menu fit; the navigation is behind the menu.
      assert.equal(await overflow(lea.page), 0, 'the top bar fits');
      assert.equal(await lea.page.getByTestId('nav-history').isVisible(), false, 'the navigation is folded');
      await lea.page.getByTestId('menu-toggle').click();
      assert.equal(await lea.page.getByTestId('menu-toggle').getAttribute('aria-expanded'), 'true');
      await lea.page.getByTestId('nav-history').click();
      await lea.page.getByTestId('history-item').first().waitFor();
      assert.equal(await lea.page.getByTestId('nav-history').isVisible(), false, 'a navigation closes the menu');
      assert.equal(await lea.page.getByTestId('sign-out').isVisible(), false);
      await lea.page.getByTestId('menu-toggle').click();
      assert.ok(await lea.page.getByTestId('sign-out').isVisible(), 'sign-out and the switches are in the menu');
      assert.equal(await overflow(lea.page), 0, 'the open menu fits');
      await lea.page.getByTestId('menu-toggle').click();

      for (const p of pages(world)) {
        for (const lang of ['en', 'fr']) {
          const user = p.who === 'lea' ? lea : admin;
          await user.page.evaluate((l) => localStorage.setItem('conversation.language', l), lang);
          await user.page.goto('/#/slots');
          await user.page.reload();
          await visit(user.page, p);
          await user.page.waitForFunction((l) => document.documentElement.lang === l, lang);
          const extra = await overflow(user.page);
          if (extra > 0) wide.push(`${p.name} (${lang}): ${extra} px too wide`);
          if (lang === 'fr' && p.name === 'slots') await screenshot(user.page, 'phone-slots-fr');
        }
      }
      assert.deepEqual(wide, [], 'pages wider than the phone');

      // The call on the phone (Max on a desktop): the grid reflows, the controls are a bottom bar.
      await lea.page.evaluate(() => localStorage.setItem('conversation.language', 'fr'));
      await lea.page.reload();
      const max = await openAs(run, world, 'max');
      await openCall(run, world, lea, max, {
        onWaitingRoom: async () => {
          assert.equal(await overflow(lea.page), 0, 'the waiting room fits');
        },
        onCall: async () => {
          const { page } = lea;
          assert.equal(await overflow(page), 0, 'the call fits');
          const bar = await page.getByTestId('call-controls').boundingBox();
          assert.ok(bar, 'the controls are shown');
          assert.ok(Math.abs(bar.y + bar.height - PHONE.height) <= 1, `the controls bar sits at the bottom of the screen (${JSON.stringify(bar)})`);
          assert.ok(bar.width >= PHONE.width - 1, 'across the whole width');
          for (const id of ['toggle-mic', 'toggle-camera', 'leave-call']) {
            const box = await page.getByTestId(id).boundingBox();
            assert.ok(box && box.y >= bar.y && box.y + box.height <= PHONE.height && box.height >= 40, `${id} is in the bar, big enough for a thumb (${JSON.stringify(box)})`);
          }
          // Two tiles on a phone: one column, each as wide as the screen allows.
          const tiles = await page.locator('[data-testid="video-grid"] figure').evaluateAll((els) => els.map((el) => el.getBoundingClientRect().toJSON() as DOMRect));
          assert.equal(tiles.length, 2);
          assert.ok(tiles.every((r) => r.x >= 0 && r.x + r.width <= 390 && r.width > 300), `tiles fit (${JSON.stringify(tiles)})`);
          assert.ok(tiles[1]!.y >= tiles[0]!.y + tiles[0]!.height - 1, 'stacked');
          // The last thing on the page is not hidden behind the bar: it scrolls above it.
          await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
          const notices = await page.getByTestId('notices').boundingBox();
          const barAfter = (await page.getByTestId('call-controls').boundingBox())!;
          assert.ok(notices && notices.y + notices.height <= barAfter.y + 1, 'content scrolls clear of the bar');
          await screenshot(page, 'phone-call');
          // The bar works: mute from it.
          await page.getByTestId('toggle-mic').click();
          await max.page.locator(`[data-testid="peer-tile"][data-user-id="${lea.id}"] [data-testid="mic-off"]`).waitFor();
        },
        onRecap: async () => {
          assert.equal(await overflow(lea.page), 0, 'the recap fits');
        },
      });
    });
  } finally {
    await standIn.close();
  }
});

test('dark mode follows the system, the toggle sets light or dark and is remembered, "system" follows again', { timeout: 120_000 }, () =>
  withBrowser({}, async (run) => {
    const lea = await run.open('Léa', { colorScheme: 'dark' });
    const colours = () =>
      lea.page.evaluate(() => {
        const body = getComputedStyle(document.body);
        const root = getComputedStyle(document.documentElement);
        const bar = getComputedStyle(document.querySelector('.topbar')!);
        return { theme: document.documentElement.dataset.theme, background: root.backgroundColor, text: root.color, bar: bar.backgroundColor, scheme: root.colorScheme, body: body.backgroundColor };
      });
    const dark = await colours();
    assert.equal(dark.theme, 'dark');
    assert.equal(dark.background, 'rgb(20, 22, 31)');
    assert.equal(dark.text, 'rgb(231, 233, 240)');
    assert.equal(dark.bar, 'rgb(29, 32, 48)');
    assert.equal(await lea.page.getByTestId('theme-switch').inputValue(), 'system');

    await lea.page.getByTestId('theme-switch').selectOption('light');
    const light = await colours();
    assert.deepEqual([light.theme, light.background, light.text, light.bar, light.scheme], ['light', 'rgb(246, 247, 251)', 'rgb(28, 32, 48)', 'rgb(255, 255, 255)', 'light']);
    await lea.page.reload();
    await lea.page.getByTestId('current-user').waitFor();
    assert.equal((await colours()).background, 'rgb(246, 247, 251)', 'light is remembered over a dark system');
    assert.equal(await lea.page.getByTestId('theme-switch').inputValue(), 'light');

    await lea.page.getByTestId('theme-switch').selectOption('dark');
    await lea.page.emulateMedia({ colorScheme: 'light' });
    assert.equal((await colours()).background, 'rgb(20, 22, 31)', 'dark stays dark on a light system');

    await lea.page.getByTestId('theme-switch').selectOption('system');
    assert.equal((await colours()).theme, 'light', 'system: the light system');
    await lea.page.emulateMedia({ colorScheme: 'dark' });
    await eventually('the page follows the system to dark', async () => (await colours()).theme === 'dark');
    assert.equal(await lea.page.evaluate(() => localStorage.getItem('conversation.theme')), null, 'system is the default: nothing stored');
  }),
);
