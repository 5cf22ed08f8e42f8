/**
 * Issue 4 (seed 003 Definition of Done, "tests with 4 simultaneous clients"), in real headless
 * Chromium: four clients of one session establish all six peer connections of the full mesh with
 * audio and video flowing; then one leaves (the others drop their connection to it at once) and
 * rejoins, and the mesh is back to six connections.
 *
 * The session is a private one (a slot session cannot be rejoined after leaving on purpose; a
 * private one can, with its code, which is what the user who left does here).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createStartedPrivateSession, enterFromWaitingRoom, eventually, expectFullMesh, expectMediaFlowing, joinFromBanner, peerStats, withBrowser, type BrowserUser } from './support.ts';

/** Distinct peer connections across the pages: one per pair of users that both see it connected. */
async function connectedPairs(users: BrowserUser[]): Promise<Set<string>> {
  const seen = new Map<string, number>();
  for (const u of users) {
    for (const s of await peerStats(u.page)) {
      if (s.connectionState !== 'connected') continue;
      const pair = [u.id, s.userId].sort().join('|');
      seen.set(pair, (seen.get(pair) ?? 0) + 1);
    }
  }
  return new Set([...seen].filter(([, n]) => n === 2).map(([pair]) => pair));
}

test('four-way mesh: 4 browsers, 6 peer connections with media; one leaves and rejoins, back to 6', { timeout: 110_000 }, () =>
  withBrowser({}, async (run) => {
    const { t } = run;
    const accounts = await Promise.all(['Kim', 'Lea', 'Max', 'Noa'].map((name) => t.user(name)));
    // Kim creates a private session for four and starts it; the others join with the code (REST).
    const { inviteCode } = await createStartedPrivateSession(t, accounts[0]!, accounts.slice(1), { maxParticipants: 4 });
    const users: BrowserUser[] = [];
    for (const a of accounts) users.push(await run.open(a.name, { token: a.token, id: a.id }));

    // Each opens the session from the banner (consent preset from the join, kept as is).
    await Promise.all(users.map((u) => u.page.getByTestId('join-session').waitFor().then(() => joinFromBanner(u, null))));
    for (const u of users) await expectFullMesh(u, users);
    const pairs = await connectedPairs(users);
    assert.equal(pairs.size, 6, `all 6 pairs connected on both ends: ${[...pairs].join(', ')}`);
    for (const u of users) await expectMediaFlowing(u);

    // Noa leaves on purpose: the server announces it at once and the others close their connection to her.
    const noa = users[3]!;
    const rest = users.slice(0, 3);
    await noa.page.getByTestId('leave-call').click();
    await noa.page.getByTestId('recap').waitFor();
    for (const u of rest) {
      await eventually(`${u.name}: Noa's tile gone`, async () => (await u.page.locator(`[data-testid="peer-tile"][data-user-id="${noa.id}"]`).count()) === 0);
      await expectFullMesh(u, rest);
    }
    assert.equal((await connectedPairs(rest)).size, 3);

    // She comes back with the code and offers to everyone again: six connections.
    await noa.page.getByTestId('nav-private').click();
    const form = noa.page.getByTestId('join-code-form');
    await form.getByTestId('join-code').fill(inviteCode);
    await form.getByTestId('consent-yes').check();
    await form.getByTestId('join-by-code').click();
    await enterFromWaitingRoom(noa, null);
    for (const u of users) await expectFullMesh(u, users);
    assert.equal((await connectedPairs(users)).size, 6, 'back to 6 connections');
    for (const u of users) await expectMediaFlowing(u);
    for (const u of rest) {
      const frames = (await u.page.evaluate(() => window.__call?.received() ?? [])) as Array<{ type: string; userId?: string; participant?: { userId: string } }>;
      const left = frames.findIndex((m) => m.type === 'participant-left' && m.userId === noa.id);
      assert.ok(left >= 0, `${u.name} was told that Noa left`);
      assert.ok(
        frames.slice(left).some((m) => m.type === 'participant-joined' && m.participant?.userId === noa.id),
        `${u.name} was told that Noa joined again`,
      );
      assert.equal(await u.page.evaluate(() => window.__call?.connections()), 1, `${u.name} kept its signaling socket`);
    }
  }),
);
