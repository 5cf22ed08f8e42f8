/**
 * The web client's pure call logic, without a browser: reconnection backoff, the voice activity
 * gate and the throttle of `speaking` frames.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SIGNALING_BACKOFF, backoffDelay } from '../../web/src/call/backoff.ts';
import { ChangeThrottle, SpeakingGate } from '../../web/src/call/voice-activity.ts';

describe('backoffDelay', () => {
  test('doubles from the base up to the cap, with the jitter share random', () => {
    const lowest = [0, 1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, SIGNALING_BACKOFF, 0));
    const highest = [0, 1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, SIGNALING_BACKOFF, 0.999999));
    assert.deepEqual(lowest, [250, 500, 1000, 2000, 4000, 4000, 4000]);
    assert.deepEqual(highest, [500, 1000, 2000, 4000, 8000, 8000, 8000]);
  });

  test('stays within [ceiling * (1 - jitter), ceiling]', () => {
    for (let i = 0; i < 200; i++) {
      const attempt = i % 8;
      const d = backoffDelay(attempt);
      const ceiling = Math.min(SIGNALING_BACKOFF.maxMs, SIGNALING_BACKOFF.baseMs * 2 ** attempt);
      assert.ok(d >= ceiling / 2 && d <= ceiling, `${d} for attempt ${attempt}`);
    }
  });

  test('a full reconnection run covers more than a 10 s outage within the 30 s reconnect window', () => {
    let worst = 0;
    let best = 0;
    for (let n = 0; n < 6; n++) {
      worst += backoffDelay(n, SIGNALING_BACKOFF, 0.999999);
      best += backoffDelay(n, SIGNALING_BACKOFF, 0);
    }
    assert.ok(best > 10_000, `six attempts span more than 10 s even with the least jitter (${best} ms)`);
    assert.ok(worst < 30_000, `six attempts take less than the reconnect window (${worst} ms)`);
  });
});

describe('SpeakingGate', () => {
  const gate = () => new SpeakingGate({ threshold: 0.01, attackSamples: 2, hangoverMs: 800 });

  test('starts after the attack and stops after the hangover', () => {
    const g = gate();
    assert.equal(g.sample(0.05, 0), false, 'one loud sample is not enough with an attack of 2');
    assert.equal(g.sample(0.05, 100), true);
    assert.equal(g.speaking, true);
    assert.equal(g.sample(0.001, 200), false, 'a pause between words keeps speaking');
    assert.equal(g.sample(0.001, 800), false);
    assert.equal(g.sample(0.001, 900), true, '800 ms after the last loud sample it stops');
    assert.equal(g.speaking, false);
  });

  test('a click (one loud sample between quiet ones) never starts speaking', () => {
    const g = gate();
    for (let t = 0; t < 2000; t += 100) assert.equal(g.sample(t === 500 ? 0.5 : 0, t), false);
  });

  test('loud samples during the hangover extend it', () => {
    const g = gate();
    g.sample(0.05, 0);
    g.sample(0.05, 100);
    g.sample(0.001, 500);
    g.sample(0.05, 700);
    assert.equal(g.sample(0.001, 1400), false);
    assert.equal(g.sample(0.001, 1500), true);
  });
});

describe('ChangeThrottle', () => {
  test('sends changes only, at most once per interval, ending on the latest value', async () => {
    let now = 0;
    const sent: boolean[] = [];
    const throttle = new ChangeThrottle(40, (v) => sent.push(v), () => now);
    throttle.push(true);
    assert.deepEqual(sent, [true]);
    throttle.push(true);
    assert.deepEqual(sent, [true], 'no repeat of the same value');
    now = 10;
    throttle.push(false);
    throttle.push(true);
    throttle.push(false);
    assert.deepEqual(sent, [true], 'inside the interval: held back');
    now = 40;
    await new Promise((r) => setTimeout(r, 60));
    assert.deepEqual(sent, [true, false], 'the latest value, once the interval is over');
    now = 200;
    throttle.push(false);
    assert.deepEqual(sent, [true, false]);
    throttle.reset();
    throttle.push(false);
    assert.deepEqual(sent, [true, false, false], 'after a reset the value is sent again');
    throttle.stop();
  });

  test('a change undone inside the interval sends nothing', async () => {
    let now = 0;
    const sent: boolean[] = [];
    const throttle = new ChangeThrottle(30, (v) => sent.push(v), () => now);
    throttle.push(true);
    now = 5;
    throttle.push(false);
    throttle.push(true);
    now = 30;
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(sent, [true]);
    throttle.stop();
  });
});
