import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SpeakingLedger } from '../../src/modules/sessions/speaking-ledger.ts';
import type { Connection } from '../../src/modules/signaling/connection.ts';
import { SpeakingTracker } from '../../src/modules/signaling/speaking-tracker.ts';
import { LivenessSchedule } from '../../src/modules/signaling/liveness-schedule.ts';
import { charge, fullBudget } from '../../src/modules/signaling/message-budget.ts';
import { ManualClock } from '../../src/shared/clock.ts';

describe('message budget (token bucket, DESIGN 4.3 close 4429)', () => {
  const limits = { burst: 5, perSecond: 2 };

  test('a burst is allowed, one more frame is not', () => {
    const budget = fullBudget(limits, 0);
    for (let i = 0; i < 5; i++) assert.equal(charge(budget, 1, 0, limits), true, `frame ${i + 1}`);
    assert.equal(charge(budget, 1, 0, limits), false, 'the sixth frame in the same instant overdraws');
  });

  test('tokens come back at perSecond, never above the burst', () => {
    const budget = fullBudget(limits, 0);
    for (let i = 0; i < 5; i++) charge(budget, 1, 0, limits);
    assert.equal(charge(budget, 1, 499, limits), false, '0.998 token after 499 ms');
    const refilled = fullBudget(limits, 0);
    for (let i = 0; i < 5; i++) charge(refilled, 1, 0, limits);
    assert.equal(charge(refilled, 1, 500, limits), true, 'one token after 500 ms');
    const idle = fullBudget(limits, 0);
    charge(idle, 0, 3_600_000, limits);
    assert.equal(idle.tokens, 5, 'an hour idle refills to the burst, not beyond');
  });

  test('a costly frame (malformed: 20) empties it sooner; time going backwards refills nothing', () => {
    const budget = fullBudget({ burst: 30, perSecond: 1 }, 1000);
    assert.equal(charge(budget, 20, 1000, { burst: 30, perSecond: 1 }), true);
    assert.equal(charge(budget, 20, 500, { burst: 30, perSecond: 1 }), false);
  });
});

describe('speaking ledger (seed 002 AC4)', () => {
  test('a stretch counts once closed; repeats change nothing', () => {
    const ledger = new SpeakingLedger(1_000);
    assert.equal(ledger.begin('s', 'u', 1_000), true);
    assert.equal(ledger.begin('s', 'u', 1_500), false, 'already speaking');
    assert.equal(ledger.isSpeaking('s', 'u'), true);
    assert.deepEqual([...ledger.unwritten('s', 'u', 3_000)], [['u', 2_000]], 'the open stretch counts up to now');
    assert.equal(ledger.end('s', 'u', 4_000), true);
    assert.equal(ledger.end('s', 'u', 5_000), false, 'not speaking');
    assert.deepEqual([...ledger.unwritten('s', 'u', 9_000)], [['u', 3_000]], 'a closed stretch no longer grows');
  });

  test('unwritten reads only: a rolled-back transaction leaves the ledger as it was', () => {
    const ledger = new SpeakingLedger();
    ledger.begin('s', 'a', 0);
    ledger.begin('s', 'b', 0);
    ledger.end('s', 'b', 400);
    const first = ledger.unwritten('s', null, 1_000);
    assert.deepEqual(Object.fromEntries(first), { a: 1_000, b: 400 });
    assert.deepEqual(Object.fromEntries(ledger.unwritten('s', null, 1_000)), { a: 1_000, b: 400 });
  });

  test('writes are throttled per user unless forced', () => {
    const ledger = new SpeakingLedger(1_000);
    ledger.begin('s', 'u', 0);
    ledger.end('s', 'u', 300);
    assert.equal(ledger.takeDue('s', 'u', 300, false), 300, 'the first write goes at once');
    ledger.begin('s', 'u', 400);
    ledger.end('s', 'u', 600);
    assert.equal(ledger.takeDue('s', 'u', 600, false), 0, 'within the interval: held back');
    assert.equal(ledger.takeDue('s', 'u', 1_300, false), 200, 'the interval passed');
    ledger.begin('s', 'u', 1_400);
    ledger.end('s', 'u', 1_450);
    assert.equal(ledger.takeDue('s', 'u', 1_450, true), 50, 'forced');
    assert.equal(ledger.takeDue('s', 'u', 5_000, true), 0, 'nothing left');
  });

  test('a leave waits for the writes of taken ms still in flight (they are in neither place meanwhile)', async () => {
    const ledger = new SpeakingLedger(1_000);
    await ledger.settled('s'); // nothing tracked: at once
    ledger.begin('s', 'u', 0);
    ledger.end('s', 'u', 2_500);
    assert.equal(ledger.takeDue('s', 'u', 2_500, false), 2_500);
    assert.equal(ledger.unwritten('s', 'u', 2_500).size, 0, 'taken: no longer in the ledger');
    let commit!: () => void;
    let fail!: (e: Error) => void;
    ledger.track('s', new Promise<void>((resolve) => (commit = resolve)));
    ledger.track('s', new Promise<void>((_resolve, reject) => (fail = reject)));
    ledger.track('other', new Promise<void>(() => undefined)); // another session's write never blocks this one
    let settled = false;
    const waiting = ledger.settled('s').then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, false, 'both writes still in flight');
    commit();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, false, 'one left');
    fail(new Error('database down'));
    await waiting;
    assert.equal(settled, true, 'a failed write ends the wait too');
  });

  test('a sweep that has not chosen its sessions waits for every session\'s writes in flight', async () => {
    const ledger = new SpeakingLedger();
    await ledger.settled(null); // nothing tracked: at once
    let commitA!: () => void;
    let commitB!: () => void;
    ledger.track('a', new Promise<void>((resolve) => (commitA = resolve)));
    ledger.track('b', new Promise<void>((resolve) => (commitB = resolve)));
    let settled = false;
    const waiting = ledger.settled(null).then(() => (settled = true));
    commitA();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, false, "b's write is still in flight");
    commitB();
    await waiting;
    assert.equal(settled, true);
  });

  test('what a commit counted is cleared: nothing is written twice', () => {
    const ledger = new SpeakingLedger();
    ledger.begin('s', 'a', 0);
    ledger.begin('s', 'b', 0);
    ledger.clear('s', 'a');
    assert.equal(ledger.release('s', 'a', 5_000), 0, "a's leave counted it");
    assert.equal(ledger.release('s', 'b', 5_000), 5_000, 'b still holds its stretch, closed at the release');
    assert.equal(ledger.size, 0);
    ledger.begin('t', 'a', 0);
    ledger.begin('t', 'b', 0);
    ledger.clear('t', null);
    assert.equal(ledger.size, 0, 'an ended session clears every member');
  });
});

describe('speaking tracker', () => {
  test('every write it takes from the ledger is tracked: a leave waits for the flush and the release alike', async () => {
    const ledger = new SpeakingLedger(1_000);
    const commits: { ms: number; commit: () => void }[] = [];
    const tracker = new SpeakingTracker(ledger, (_conn, ms) => new Promise<void>((resolve) => commits.push({ ms, commit: resolve })));
    const conn = { sessionId: 's', userId: 'u' } as Connection;
    const settledNow = async () => {
      let done = false;
      const waiting = ledger.settled('s').then(() => (done = true));
      await new Promise((resolve) => setImmediate(resolve));
      return { done: () => done, waiting };
    };

    tracker.set(conn, true, 0);
    assert.equal(tracker.set(conn, false, 2_000), true);
    assert.deepEqual(commits.map((c) => c.ms), [2_000], 'the end of a stretch is written at once (first write)');
    const first = await settledNow();
    assert.equal(first.done(), false, 'the throttled write is in flight: a leave would wait');
    commits[0]!.commit();
    await first.waiting;

    tracker.set(conn, true, 2_100);
    tracker.release(conn, 2_600);
    assert.deepEqual(commits.map((c) => c.ms), [2_000, 500], 'a release writes the open stretch');
    const second = await settledNow();
    assert.equal(second.done(), false, 'the release write is tracked too');
    commits[1]!.commit();
    await second.waiting;
    assert.equal(ledger.size, 0);
  });
});

describe('liveness schedule (seed 003 AC8), with a manual clock', () => {
  test('pings go round the slices, one per tick; the sweep is due every interval', () => {
    const clock = new ManualClock(0);
    const schedule = new LivenessSchedule(100, 10_000, 5_000, clock.nowMs());
    assert.equal(schedule.slices, 100);
    assert.equal(schedule.quietForMs, 5_000);
    const sweeps: number[] = [];
    const slices: number[] = [];
    for (let i = 0; i < 150; i++) {
      clock.advance(100);
      const { pingSlice, sweep } = schedule.next(clock.nowMs());
      slices.push(pingSlice);
      if (sweep) sweeps.push(clock.nowMs());
    }
    assert.deepEqual(slices.slice(0, 3), [0, 1, 2]);
    assert.equal(slices[100], 0, 'round again after 100 ticks (10 s)');
    assert.deepEqual(sweeps, [5_000, 10_000, 15_000]);
  });

  test('a late tick sweeps once, and the next sweep is a full interval later', () => {
    const clock = new ManualClock(0);
    const schedule = new LivenessSchedule(100, 10_000, 5_000, clock.nowMs());
    clock.advance(12_000); // the event loop was held for 12 s
    assert.equal(schedule.next(clock.nowMs()).sweep, true);
    clock.advance(100);
    assert.equal(schedule.next(clock.nowMs()).sweep, false, 'no catch-up burst');
    clock.advance(4_900);
    assert.equal(schedule.next(clock.nowMs()).sweep, true);
  });
});
