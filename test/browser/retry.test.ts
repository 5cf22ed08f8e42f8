/**
 * Issue 13 from the browser: a registration whose answer is lost on the way (the service
 * registered the learner, the connection then reset) is retried by the web client with the same
 * `Idempotency-Key`; the service replays its first answer, so the learner sees "Registered" and
 * not "already registered", and holds one registration. Real headless Chromium; the loss is made
 * with Playwright's request interception (the real request reaches the service, its answer is
 * dropped).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withBrowser } from './support.ts';

test('a registration whose answer was lost is retried with the same key and shows as registered, once', { timeout: 120_000 }, () =>
  withBrowser({}, async (run) => {
    const { t } = run;
    const admin = await t.user('Retry Admin', { admin: true });
    const noa = await t.user('Noa Retry');
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/slots',
      headers: admin.headers,
      payload: { targetLanguageCode: 'fr', level: 'A2', startTime: new Date(t.clock.nowMs() + 3_600_000).toISOString(), durationMinutes: 30 },
    });
    assert.equal(created.statusCode, 201, created.body);
    const slotId = created.json().id as string;

    const user = await run.open(noa.name, { token: noa.token, id: noa.id });
    const seen: { key: string | null; outcome: string }[] = [];
    await user.page.route('**/api/slots/*/registrations', async (route) => {
      const key = route.request().headers()['idempotency-key'] ?? null;
      if (seen.length === 0) {
        const first = await route.fetch(); // reaches the service, which registers Noa
        seen.push({ key, outcome: `answered ${first.status()}, dropped` });
        await route.abort('connectionreset');
        return;
      }
      const again = await route.fetch();
      seen.push({ key, outcome: `answered ${again.status()}${again.headers()['idempotent-replayed'] === 'true' ? ' (replayed)' : ''}` });
      await route.fulfill({ response: again });
    });

    const row = user.page.locator(`[data-testid="slot"][data-slot-id="${slotId}"]`);
    await row.getByTestId('register').click();
    await row.getByTestId('registered').waitFor();
    assert.equal(seen.length, 2, JSON.stringify(seen));
    assert.match(seen[0].key ?? '', /^[0-9a-f-]{36}$/, 'the client sent a key');
    assert.equal(seen[1].key, seen[0].key, 'the retry carried the same key');
    assert.deepEqual(seen.map((s) => s.outcome), ['answered 201, dropped', 'answered 201 (replayed)']);
    const mine = (await t.app.inject({ method: 'GET', url: '/api/registrations', headers: noa.headers })).json();
    assert.deepEqual(mine.items.map((r: { timeSlotId: string }) => r.timeSlotId), [slotId], 'one registration');
  }));
