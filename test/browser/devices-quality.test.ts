/**
 * Issue 15, in real headless Chromium with its fake devices (three cameras with
 * `--use-fake-device-for-media-stream=device-count=3`, of which the second is a Y16 depth camera
 * WebRTC cannot send, so the switch goes between the first and the third; Chromium always offers
 * three fake microphones and three fake speakers):
 * - the pre-call check: the waiting room lists cameras, microphones and speakers, shows a live
 *   microphone level (the fake microphone beeps), plays a test sound, and switches the preview;
 * - a device switch during a call: camera and microphone change with `RTCRtpSender.replaceTrack`
 *   on every peer connection, no offer is made (no renegotiation), every connection stays
 *   `connected` and the others keep receiving; the recording under way goes on, in the same file;
 * - the quality indicator: one participant's network is degraded through the DevTools protocol
 *   (`Network.emulateNetworkConditions` with latency and packet loss, which Chromium applies to
 *   WebRTC traffic of connections created after it is set); their tile turns "poor" on the others'
 *   pages with a plain-language hint, while the tiles of the others stay good.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { createStartedPrivateSession, eventually, expectFullMesh, expectMediaFlowing, MEDIA_TIMEOUT_MS, withBrowser, type BrowserUser } from './support.ts';

type Quality = { userId: string; quality: string; rttMs: number | null; loss: number | null; causes: string[] };
const quality = (page: Page) => page.evaluate(() => window.__call?.quality() ?? []) as Promise<Quality[]>;
const optionValues = (page: Page, testId: string) => page.getByTestId(testId).locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));

test('pre-call check and a device switch during a call: replaceTrack on every connection, no renegotiation, the recording goes on', { timeout: 180_000 }, () =>
  withBrowser({}, async (run) => {
    const { t } = run;
    const [hostUser, guestUser, thirdUser] = await Promise.all(['Dora', 'Eli', 'Fay'].map((n) => t.user(n)));
    // Dora's audio is recorded: the recording must survive her microphone switch.
    const { sessionId } = await createStartedPrivateSession(t, hostUser!, [guestUser!, thirdUser!]);
    const consent = await t.app.inject({ method: 'POST', url: `/api/sessions/${sessionId}/consent`, headers: hostUser!.headers, payload: { recordingConsent: true } });
    assert.equal(consent.statusCode, 200, consent.body);
    const users: BrowserUser[] = [];
    for (const u of [hostUser!, guestUser!, thirdUser!]) users.push(await run.open(u.name, { token: u.token, id: u.id }));
    const [dora] = users as [BrowserUser];

    // The waiting room: devices listed (labels once allowed), a live level, a test sound.
    await dora.page.getByTestId('join-session').click();
    await dora.page.locator('[data-testid="waiting-room"][data-media="ready"]').waitFor();
    await eventually('three cameras and three microphones listed', async () => (await optionValues(dora.page, 'device-videoinput')).length === 3 && (await optionValues(dora.page, 'device-audioinput')).length === 3);
    const cameras = await optionValues(dora.page, 'device-videoinput');
    const mics = await optionValues(dora.page, 'device-audioinput');
    assert.equal((await optionValues(dora.page, 'device-audiooutput')).length, 3, 'speakers listed (setSinkId exists in Chromium)');
    assert.ok((await dora.page.getByTestId('device-videoinput').locator('option').first().innerText()).includes('fake_device'), 'device labels');
    await eventually('the microphone level moves', async () => Number(await dora.page.getByTestId('mic-level').getAttribute('data-level')) > 0.25);
    await dora.page.getByTestId('device-audiooutput').selectOption({ index: 1 });
    await dora.page.getByTestId('speaker-test').click();
    await dora.page.locator('[data-testid="speaker-test"][data-state="playing"]').waitFor();
    await dora.page.locator('[data-testid="speaker-test"][data-state="idle"]').waitFor();
    // Picking the third camera in the preview opens it.
    await dora.page.getByTestId('device-videoinput').selectOption(cameras[2]!);
    await eventually('the preview on the third camera', async () => (await dora.page.getByTestId('device-videoinput').inputValue()) === cameras[2]);
    const remembered = await dora.page.evaluate(() => JSON.parse(localStorage.getItem('conversation.devices') ?? '{}'));
    assert.equal(remembered.videoinput, cameras[2]);
    await dora.page.getByTestId('enter-call').click();
    await dora.page.locator('[data-testid="call"][data-call-status="connected"]').waitFor();
    assert.equal(
      await dora.page.evaluate(() => (document.querySelector('[data-testid="peer-tile"] video, [data-testid="local-tile"] video') as HTMLVideoElement | null) !== null),
      true,
    );
    for (const u of users.slice(1)) {
      await u.page.getByTestId('join-session').click();
      await u.page.locator('[data-testid="waiting-room"][data-media="ready"]').waitFor();
      await u.page.getByTestId('enter-call').click();
      await u.page.locator('[data-testid="call"][data-call-status="connected"]').waitFor();
    }
    for (const u of users) await expectFullMesh(u, users);
    // The camera chosen in the waiting room is the one the call sends.
    const settings = () => dora.page.evaluate(() => {
      const stream = (document.querySelector('[data-testid="local-tile"] video') as HTMLVideoElement).srcObject as MediaStream;
      return stream.getTracks().map((tr) => ({ kind: tr.kind, deviceId: tr.getSettings().deviceId, id: tr.id, state: tr.readyState }));
    });
    assert.equal((await settings()).find((s) => s.kind === 'video')!.deviceId, cameras[2]);
    await dora.page.locator('[data-testid="recording-status"][data-state="recording"]').waitFor();
    const recordingBefore = await dora.page.evaluate(() => window.__call!.recording().recorder!);

    // During the call: back to the first camera, then another microphone.
    const offersBefore = await dora.page.evaluate(() => window.__call!.offers());
    const othersOffers = await Promise.all(users.slice(1).map((u) => u.page.evaluate(() => window.__call!.offers())));
    await dora.page.getByTestId('toggle-devices').click();
    await dora.page.getByTestId('call-devices').waitFor();
    await dora.page.getByTestId('device-videoinput').selectOption(cameras[0]!);
    await eventually('the call on the first camera', async () => (await settings()).find((s) => s.kind === 'video')?.deviceId === cameras[0]);
    await dora.page.getByTestId('device-audioinput').selectOption(mics[1]!);
    await eventually('the call on the second microphone', async () => (await settings()).find((s) => s.kind === 'audio')?.deviceId === mics[1]);

    // Every connection sends the new tracks; nobody renegotiated; all stay connected and receive.
    const local = await settings();
    const senders = await dora.page.evaluate(() => window.__call!.senderTrackIds());
    assert.equal(Object.keys(senders).length, 2);
    for (const ids of Object.values(senders)) assert.deepEqual([...ids].sort(), local.map((s) => s.id).sort(), 'each connection sends the new camera and microphone');
    assert.equal(await dora.page.evaluate(() => window.__call!.offers()), offersBefore, 'Dora made no offer');
    assert.deepEqual(await Promise.all(users.slice(1).map((u) => u.page.evaluate(() => window.__call!.offers()))), othersOffers, 'nor did the others');
    for (const u of users) {
      const peers = await u.page.evaluate(() => window.__call!.peers());
      assert.ok(peers.every((p) => p.connectionState === 'connected'), `${u.name}: every connection still connected`);
    }
    for (const u of users.slice(1)) await expectMediaFlowing(u);
    await eventually('Dora in the mic-level meter of the call', async () => Number(await dora.page.getByTestId('mic-level').getAttribute('data-level')) > 0.25);

    // The recording goes on in the same file, and keeps producing chunks after the switch.
    const recordingAfter = await dora.page.evaluate(() => window.__call!.recording().recorder!);
    assert.equal(recordingAfter.recordingId, recordingBefore.recordingId, 'the same recording');
    assert.equal(recordingAfter.status, 'recording');
    await eventually(
      'more chunks recorded after the switch',
      async () => (await dora.page.evaluate(() => window.__call!.recording().recorder!.partsRecorded)) >= recordingAfter.partsRecorded + 2,
      MEDIA_TIMEOUT_MS,
    );
    // The speaker chosen in the waiting room plays the others.
    const sinks = await dora.page.evaluate(() => [...document.querySelectorAll('[data-testid="peer-tile"] video')].map((v) => (v as HTMLVideoElement & { sinkId: string }).sinkId));
    assert.deepEqual(new Set(sinks).size, 1);
    assert.notEqual(sinks[0], '', 'the chosen speaker, not the default');
  }),
);

test('one participant with a degraded network: their tile turns poor on the others’ pages, the other tiles stay good', { timeout: 180_000 }, () =>
  withBrowser({}, async (run) => {
    const { t } = run;
    const [a, b, c] = await Promise.all(['Gil', 'Hoa', 'Ira'].map((n) => t.user(n)));
    await createStartedPrivateSession(t, a!, [b!, c!]);
    const users: BrowserUser[] = [];
    for (const u of [a!, b!, c!]) users.push(await run.open(u.name, { token: u.token, id: u.id }));
    const [gil, hoa, ira] = users as [BrowserUser, BrowserUser, BrowserUser];

    // Ira's network: 400 ms each way and 20 % of packets lost (applied before her connections exist).
    const cdp = await ira.context.newCDPSession(ira.page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 400, downloadThroughput: -1, uploadThroughput: -1, packetLoss: 20 });

    for (const u of users) {
      await u.page.getByTestId('join-session').click();
      await u.page.locator('[data-testid="waiting-room"][data-media="ready"]').waitFor();
      await u.page.getByTestId('enter-call').click();
      await u.page.locator('[data-testid="call"][data-call-status="connected"]').waitFor();
    }
    for (const u of users) {
      await eventually(
        `${u.name}: connected to both others`,
        async () => {
          const peers = await u.page.evaluate(() => window.__call?.peers() ?? []);
          return peers.length === 2 && peers.every((p) => p.connectionState === 'connected');
        },
        MEDIA_TIMEOUT_MS,
      );
    }

    // On Gil's and Hoa's pages: Ira's tile is poor with a hint; the other's tile is good.
    for (const [viewer, other] of [
      [gil, hoa],
      [hoa, gil],
    ] as const) {
      await eventually(
        `${viewer.name}: Ira poor, ${other.name} good`,
        async () => {
          const q = await quality(viewer.page);
          return q.find((p) => p.userId === ira.id)?.quality === 'poor' && q.find((p) => p.userId === other.id)?.quality === 'good';
        },
        MEDIA_TIMEOUT_MS,
        () => quality(viewer.page),
      );
      const iraTile = viewer.page.locator(`[data-testid="peer-tile"][data-user-id="${ira.id}"]`);
      await iraTile.locator('[data-testid="quality"][data-quality="poor"]').waitFor();
      assert.match(await iraTile.getByTestId('quality-hint').innerText(), /poor/);
      const otherTile = viewer.page.locator(`[data-testid="peer-tile"][data-user-id="${other.id}"]`);
      await otherTile.locator('[data-testid="quality"][data-quality="good"]').waitFor();
      assert.equal(await otherTile.getByTestId('quality-hint').count(), 0);
      const ofIra = (await quality(viewer.page)).find((p) => p.userId === ira.id)!;
      assert.ok((ofIra.rttMs ?? 0) >= 700 || (ofIra.loss ?? 0) >= 0.1, `measured on the connection to Ira: ${JSON.stringify(ofIra)}`);
    }
    // Gil and Hoa keep a good link with each other for a while (not a passing sample).
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 2100));
      assert.equal((await quality(gil.page)).find((p) => p.userId === hoa.id)?.quality, 'good');
    }
    // Ira herself sees both others through her bad network.
    await eventually('Ira: both poor', async () => (await quality(ira.page)).every((p) => p.quality === 'poor'), MEDIA_TIMEOUT_MS, () => quality(ira.page));
  }),
);
