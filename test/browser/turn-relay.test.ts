/**
 * Issue 4, TURN: a real coturn on 127.0.0.1 (`use-auth-secret`), the app configured with
 * `TURN_URLS` / `TURN_SECRET`, and two real Chromium clients forced to relay-only ICE
 * (`iceTransportPolicy: 'relay'`): the call connects with the selected candidate pair of type
 * `relay` on both ends, so the media really goes through TURN with the credentials of
 * `/api/ice-servers`. Then the TURN server crashes and comes back: the peer connection goes
 * `disconnected`, the offering client restarts ICE (`restartIce()` and a new offer with fresh
 * servers), and media flows through the relay again.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startCoturn, type Coturn } from '../helpers/coturn.ts';
import { createStartedPrivateSession, eventually, expectFullMesh, expectMediaFlowing, joinFromBanner, peerStats, withBrowser, type BrowserUser } from './support.ts';

test('TURN: relay-only clients connect through a real coturn, and restart ICE when it comes back after a crash', { timeout: 110_000 }, async () => {
  const coturn: Coturn = await startCoturn('SECRET');
  try {
    await withBrowser({ env: { TURN_URLS: coturn.url, TURN_SECRET: coturn.secret } }, async (run) => {
      const { t } = run;
      const [olga, pablo] = await Promise.all(['Olga', 'Pablo'].map((name) => t.user(name)));
      const ice = await t.app.inject({ method: 'GET', url: '/api/ice-servers', headers: olga!.headers });
      assert.equal(ice.statusCode, 200, `GET /api/ice-servers: ${ice.body}`);
      const servers = (ice.json() as { iceServers: RTCIceServer[] }).iceServers;
      assert.ok(
        servers.some((s) => [s.urls].flat().includes(coturn.url) && s.username && s.credential),
        `the app hands out the coturn URL with credentials: ${ice.body}`,
      );

      await createStartedPrivateSession(t, olga!, [pablo!], { maxParticipants: 2 });
      const users: BrowserUser[] = [];
      for (const a of [olga!, pablo!]) users.push(await run.open(a.name, { token: a.token, id: a.id, relay: true }));
      // One after the other: Pablo is the newcomer, so he offers and drives ICE restarts.
      for (const u of users) await joinFromBanner(u, null);
      for (const u of users) await expectFullMesh(u, users);

      const relayed = async () => {
        for (const u of users) {
          const [s] = await peerStats(u.page);
          if (!s || s.connectionState !== 'connected' || s.localCandidateType !== 'relay' || s.remoteCandidateType !== 'relay') return false;
        }
        return true;
      };
      await eventually('both ends on a relay/relay candidate pair', relayed, undefined, () => Promise.all(users.map((u) => peerStats(u.page))));
      for (const u of users) await expectMediaFlowing(u);

      // coturn crashes: no path is left (relay only), the connection goes disconnected.
      await coturn.kill();
      await eventually(
        'the peer connection to notice the relay is gone',
        async () => (await Promise.all(users.map((u) => peerStats(u.page)))).every(([s]) => s && s.connectionState !== 'connected'),
        MEDIA_LOSS_TIMEOUT_MS,
        () => Promise.all(users.map((u) => peerStats(u.page))),
      );
      // It comes back (same port and secret: the credentials stay valid); ICE restarts find it.
      await coturn.restart();
      for (const u of users) await expectFullMesh(u, users);
      await eventually('relay/relay again after the restart', relayed, undefined, () => Promise.all(users.map((u) => peerStats(u.page))));
      for (const u of users) await expectMediaFlowing(u);
      const restarts = (await Promise.all(users.map((u) => peerStats(u.page)))).flat().map((s) => s.iceRestarts);
      assert.ok(
        restarts.some((n) => n >= 1),
        `an ICE restart brought the connection back (restarts per page: ${restarts.join(', ')})`,
      );
      for (const u of users) assert.equal(await u.page.evaluate(() => window.__call?.connections()), 1, `${u.name} kept its signaling socket`);
    });
  } catch (err) {
    console.error(`coturn output (tail):\n${coturn.output().slice(-3000)}`);
    throw err;
  } finally {
    await coturn.stop();
  }
});

/** ICE consent checks notice a dead path within a few seconds; generous for a loaded machine. */
const MEDIA_LOSS_TIMEOUT_MS = 30_000;
