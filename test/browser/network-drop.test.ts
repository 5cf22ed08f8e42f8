/**
 * Issue 4 "Done when": a call survives one participant's connection dropping for 10 seconds.
 *
 * In real headless Chromium, three users are in a call. Quinn's browser goes offline
 * (`context.setOffline(true)`) and her signaling socket is cut; for 10 seconds every reconnection
 * attempt (ticket request, WebSocket) fails, and her page says it is reconnecting. The server
 * keeps her place (10 s on its clock too, inside the 30 s reconnect window). Then the network
 * comes back: her client reconnects by itself with a fresh single-use ticket, offers anew, and
 * the mesh is whole again with media flowing; the others never saw her leave.
 *
 * (Chromium's offline emulation blocks new connections but leaves open sockets and WebRTC's UDP
 * alone, hence the explicit cut of her signaling socket. The cut comes first, while the network is
 * still up: a frame her page sends on an open socket while offline, a speaking update say, is held
 * until the browser is back online, and so is the close frame queued behind it; the server would
 * then only learn of the drop from its heartbeat timeout. Reconnection attempts between the cut and
 * `setOffline` fail as they would offline, through a route that aborts ticket requests.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  createStartedPrivateSession,
  eventually,
  expectFullMesh,
  expectMediaFlowing,
  joinFromBanner,
  receivedOfType,
  sleep,
  withBrowser,
  type BrowserUser,
} from './support.ts';

const DROP_MS = 10_000;

/** Records the `token` of every signaling WebSocket the page opens. */
function recordSignalingTokens(page: Page): string[] {
  const tokens: string[] = [];
  page.on('websocket', (ws) => {
    const url = new URL(ws.url());
    if (url.pathname === '/ws/signaling') tokens.push(url.searchParams.get('token') ?? '');
  });
  return tokens;
}

test('a participant offline for 10 seconds comes back into the call by itself; the others never see her leave', { timeout: 110_000 }, () =>
  withBrowser({}, async (run) => {
    const { t } = run;
    const accounts = await Promise.all(['Paul', 'Quinn', 'Rosa'].map((name) => t.user(name)));
    const { sessionId } = await createStartedPrivateSession(t, accounts[0]!, accounts.slice(1));
    const users: BrowserUser[] = [];
    for (const a of accounts) users.push(await run.open(a.name, { token: a.token, id: a.id }));
    const [paul, quinn, rosa] = users as [BrowserUser, BrowserUser, BrowserUser];
    const quinnTokens = recordSignalingTokens(quinn.page);
    await Promise.all(users.map((u) => u.page.getByTestId('join-session').waitFor().then(() => joinFromBanner(u, null))));
    for (const u of users) await expectFullMesh(u, users);

    const participantStatus = async (userId: string) => {
      const res = await t.app.inject({ method: 'GET', url: `/api/sessions/${sessionId}/participants`, headers: accounts[0]!.headers });
      assert.equal(res.statusCode, 200, res.body);
      return (res.json() as { items: { userId: string; status: string; leftAt: string | null }[] }).items.find((p) => p.userId === userId);
    };

    // Quinn's network goes away.
    const droppedAt = Date.now();
    await quinn.page.route('**/api/signaling/tickets', (route) => route.abort('internetdisconnected'));
    await quinn.page.evaluate(() => window.__call!.simulateSignalingDrop());
    await quinn.context.setOffline(true);
    await quinn.page.getByTestId('reconnecting-banner').waitFor();
    await eventually(
      'the server to see Quinn disconnected',
      async () => (await participantStatus(quinn.id))?.status === 'disconnected',
      undefined,
      async () => ({
        participant: await participantStatus(quinn.id),
        socketOnServer: t.services.signaling.isConnected(sessionId, quinn.id),
        client: await quinn.page.evaluate(() => ({ status: window.__call?.status(), connections: window.__call?.connections() })),
      }),
    );

    // 10 seconds pass, on the server's clock as well: her place is kept (30 s window).
    t.clock.advance(DROP_MS);
    await t.runJobs();
    await sleep(Math.max(0, droppedAt + DROP_MS - Date.now()));
    assert.equal(await quinn.page.evaluate(() => window.__call?.status()), 'reconnecting', 'Quinn is still trying');
    assert.equal(await quinn.page.evaluate(() => window.__call?.connections()), 1, 'no connection could open while offline');
    assert.equal((await participantStatus(quinn.id))?.leftAt, null, 'Quinn has not left');

    // The network is back: she reconnects at once (the browser's `online` event), offers anew,
    // and everyone is connected again with media flowing.
    await quinn.page.unroute('**/api/signaling/tickets');
    await quinn.context.setOffline(false);
    await eventually('Quinn reconnected to signaling', async () => (await quinn.page.evaluate(() => window.__call?.connections())) === 2);
    await quinn.page.getByTestId('reconnecting-banner').waitFor({ state: 'detached' });
    for (const u of users) await expectFullMesh(u, users);
    for (const u of users) await expectMediaFlowing(u);
    assert.equal((await participantStatus(quinn.id))?.status, 'connected');

    for (const u of [paul, rosa]) {
      const left = await receivedOfType<{ userId: string }>(u.page, 'participant-left');
      assert.deepEqual(
        left.filter((m) => m.userId === quinn.id),
        [],
        `${u.name} never saw Quinn leave`,
      );
      const joined = await receivedOfType<{ participant: { userId: string }; reconnected?: boolean }>(u.page, 'participant-joined');
      assert.ok(
        joined.some((m) => m.participant.userId === quinn.id && m.reconnected === true),
        `${u.name} saw Quinn come back as a reconnection`,
      );
      assert.equal(await u.page.evaluate(() => window.__call?.connections()), 1, `${u.name} kept its signaling socket`);
    }

    // Every connection of Quinn's used its own single-use ticket, never her JWT.
    assert.equal(quinnTokens.length, 2, `Quinn opened two signaling sockets: ${quinnTokens.length}`);
    assert.equal(new Set(quinnTokens).size, 2, 'a fresh ticket for the reconnection');
    for (const token of quinnTokens) {
      assert.ok(token.startsWith('st_'), `signaling URL carries a ticket, not the JWT (token starts with "${token.slice(0, 4)}")`);
      assert.notEqual(token, quinn.token);
    }
  }),
);
