/**
 * Issue 15, slot administration in real headless Chromium (seed 000 §4.1, §5.1): the admin page
 * lists upcoming slots with registrations against capacity, filters them, shows a recurring
 * series as a series; an admin edits a slot while its registration is open (only the capacity
 * once learners registered), deactivates it (each registrant's list then says the slot was
 * withdrawn, and `registration.cancelled` went out), reactivates it, and deactivates a series
 * from one occurrence on.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { outboxSettled } from '../helpers/database.ts';
import { eventually, screenshot, withBrowser } from './support.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

test('the admin lists, filters, edits, deactivates and reactivates slots and series; registrants are told', { timeout: 180_000 }, () =>
  withBrowser({}, async (run) => {
    const { t } = run;
    const admin = await t.user('Ada Admin', { admin: true });
    const [lea, max] = await Promise.all([t.user('Léa'), t.user('Max')]);
    const at = (minutes: number) => new Date(t.clock.now().getTime() + minutes * 60_000).toISOString();
    const post = async (user: typeof admin, url: string, payload: Json) => {
      const res = await t.app.inject({ method: 'POST', url, headers: user.headers, payload });
      assert.equal(res.statusCode, 201, res.body);
      return res.json() as Json;
    };
    const slot = await post(admin, '/api/slots', { targetLanguageCode: 'fr', level: 'B1', startTime: at(90), durationMinutes: 30, maxParticipants: 4 });
    const empty = await post(admin, '/api/slots', { targetLanguageCode: 'es', level: 'A2', startTime: at(100), durationMinutes: 15 });
    const series = await post(admin, '/api/slots', { targetLanguageCode: 'de', level: 'B2', startTime: at(120), durationMinutes: 45, recurrence: 'daily', timeZone: 'Europe/Berlin' });
    const leaReg = await post(lea, `/api/slots/${slot.id}/registrations`, {});
    await post(max, `/api/slots/${slot.id}/registrations`, {});

    const page = (await run.open(admin.name, { token: admin.token, id: admin.id, path: '/#/admin' })).page;
    const row = (id: string) => page.locator(`[data-testid="admin-slot"][data-slot-id="${id}"]`);
    await row(slot.id).waitFor();

    // Registrations and capacity; the series as a group under its rule.
    const seats = row(slot.id).getByTestId('admin-slot-registrations');
    assert.equal(await seats.getAttribute('data-registered'), '2');
    assert.equal(await seats.getAttribute('data-capacity'), '4');
    assert.match(await seats.innerText(), /2 of 4 seats taken/);
    const group = page.locator(`[data-testid="admin-series"][data-series-id="${series.seriesId}"]`);
    assert.match(await group.locator('h3').innerText(), /^Every day at .+\(Central European Time\)/);
    assert.ok((await group.getByTestId('admin-slot').count()) >= 7, 'its occurrences of the coming week');

    // Filters: by language, then by status.
    await page.getByTestId('admin-filter-language').fill('es');
    await page.getByTestId('admin-filter-apply').click();
    await eventually('only the Spanish slot', async () => (await page.getByTestId('admin-slot').count()) === 1 && (await row(empty.id).count()) === 1);
    await page.getByTestId('admin-filter-language').fill('');
    await page.getByTestId('admin-filter-apply').click();
    await row(slot.id).waitFor();
    await screenshot(page, 'admin-slots');

    // Edit with registrants: the time, duration and level are locked; the seats change.
    await row(slot.id).getByTestId('admin-edit').click();
    const form = row(slot.id).getByTestId('admin-edit-form');
    assert.equal(await form.getByTestId('admin-edit-start').isDisabled(), true);
    assert.equal(await form.getByTestId('admin-edit-duration').isDisabled(), true);
    assert.equal(await form.getByTestId('admin-edit-level').isDisabled(), true);
    await form.getByTestId('admin-edit-max').fill('6');
    await form.getByTestId('admin-edit-save').click();
    await eventually('6 seats', async () => (await row(slot.id).getByTestId('admin-slot-registrations').getAttribute('data-capacity')) === '6');
    assert.equal((await t.app.inject({ method: 'GET', url: `/api/slots/${slot.id}`, headers: admin.headers })).json().seatsLeft, 4);

    // Edit without registrants: a new time and level.
    await row(empty.id).getByTestId('admin-edit').click();
    const emptyForm = row(empty.id).getByTestId('admin-edit-form');
    await emptyForm.getByTestId('admin-edit-level').selectOption('B1');
    await emptyForm.getByTestId('admin-edit-duration').selectOption('45');
    await emptyForm.getByTestId('admin-edit-save').click();
    await eventually('the Spanish slot at B1 for 45 min', async () => {
      const s = (await t.app.inject({ method: 'GET', url: `/api/slots/${empty.id}`, headers: admin.headers })).json();
      return s.level === 'B1' && s.durationMinutes === 45;
    });
    // An edit the server refuses shows its sentence: below the registrations taken.
    await row(slot.id).getByTestId('admin-edit').click();
    await row(slot.id).getByTestId('admin-edit-max').evaluate((el) => el.removeAttribute('min'));
    await row(slot.id).getByTestId('admin-edit-max').fill('1');
    await row(slot.id).getByTestId('admin-edit-save').click();
    const refusal = row(slot.id).getByTestId('admin-row-error');
    await refusal.waitFor();
    assert.ok((await refusal.getAttribute('data-error-code')) !== null);
    await row(slot.id).getByRole('button', { name: 'Close' }).click();

    // Deactivate: the confirmation says who will be told; the registrants' lists say why.
    await row(slot.id).getByTestId('admin-deactivate').click();
    assert.match(await row(slot.id).getByTestId('admin-confirm').innerText(), /2 registered learners will be told/);
    await row(slot.id).getByTestId('admin-confirm-deactivate').click();
    await page.locator(`[data-testid="admin-slot"][data-slot-id="${slot.id}"][data-active="false"]`).waitFor();
    assert.match(await row(slot.id).getByTestId('admin-slot-registrations').innerText(), /0 of 6/);
    const leaPage = (await run.open(lea.name, { token: lea.token, id: lea.id, path: '/#/registrations' })).page;
    const leaRow = leaPage.locator(`[data-testid="registration"][data-registration-id="${leaReg.id}"]`);
    await leaRow.waitFor();
    assert.equal(await leaRow.getAttribute('data-status'), 'cancelled');
    assert.match(await leaRow.getByTestId('unmatched-reason').innerText(), /withdrawn/);
    await outboxSettled(t.database.db);
    const events = (await t.app.inject({ method: 'GET', url: '/api/admin/events', headers: admin.headers, query: { limit: '500' } })).json().items as Json[];
    const cancelled = events.filter((e) => e.type === 'registration.cancelled' && e.data.timeSlotId === slot.id);
    assert.deepEqual(cancelled.map((e) => e.data.reason), ['slot_deactivated', 'slot_deactivated']);
    await leaPage.goto('/#/slots');
    await leaPage.getByTestId('slot-list').waitFor();
    await eventually('the deactivated slot is no longer offered', async () => (await leaPage.locator(`[data-testid="slot"][data-slot-id="${slot.id}"]`).count()) === 0 && (await leaPage.getByTestId('slot').count()) > 0);

    // Reactivate: offered again.
    await row(slot.id).getByTestId('admin-reactivate').click();
    await page.locator(`[data-testid="admin-slot"][data-slot-id="${slot.id}"][data-active="true"]`).waitFor();

    // A series from its second occurrence on.
    const occurrences = group.getByTestId('admin-slot');
    const second = (await occurrences.nth(1).getAttribute('data-slot-id'))!;
    await row(second).getByTestId('admin-deactivate').click();
    await row(second).getByTestId('admin-scope-series').check();
    await row(second).getByTestId('admin-confirm-deactivate').click();
    await eventually('the series stopped from its second occurrence', async () => {
      const states = await group.getByTestId('admin-slot').evaluateAll((els) => els.map((el) => el.getAttribute('data-active')));
      return states[0] === 'true' && states.slice(1).every((s) => s === 'false');
    });
    await group.getByText('series stopped').waitFor();
    await page.getByTestId('admin-filter-status').selectOption('inactive');
    await page.getByTestId('admin-filter-apply').click();
    await eventually('only deactivated slots listed', async () => {
      const states = await page.getByTestId('admin-slot').evaluateAll((els) => els.map((el) => el.getAttribute('data-active')));
      return states.length >= 6 && states.every((s) => s === 'false');
    });
  }),
);
