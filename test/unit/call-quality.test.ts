/**
 * The call's pure pieces of issue 15: the connection-quality classification of one peer
 * connection (thresholds → good / fair / poor, with the causes a tile's hint names), the stats it
 * reads from a `getStats()` report, and the microphone meter's scale.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_QUALITY_THRESHOLDS, assessQuality, lossBetween, type QualitySample } from '../../web/src/call/call-quality.ts';
import { qualitySample, type StatsEntry } from '../../web/src/call/call-stats.ts';
import { levelToMeter } from '../../web/src/call/devices.ts';

const sample = (over: Partial<QualitySample> = {}): QualitySample => ({ rttMs: 20, packetsReceived: 1000, packetsLost: 0, remoteFractionLost: 0, relayed: false, ...over });

describe('assessQuality', () => {
  test('a short round trip without loss is good', () => {
    const a = assessQuality(sample(), sample({ packetsReceived: 1100 }));
    assert.equal(a.quality, 'good');
    assert.deepEqual(a.causes, []);
    assert.equal(a.loss, 0);
  });

  test('the round trip decides at the thresholds (300 ms fair, 700 ms poor)', () => {
    const { fairRttMs, poorRttMs } = DEFAULT_QUALITY_THRESHOLDS;
    assert.equal(assessQuality(null, sample({ rttMs: fairRttMs - 1 })).quality, 'good');
    assert.equal(assessQuality(null, sample({ rttMs: fairRttMs })).quality, 'fair');
    assert.equal(assessQuality(null, sample({ rttMs: poorRttMs - 1 })).quality, 'fair');
    const poor = assessQuality(null, sample({ rttMs: poorRttMs }));
    assert.equal(poor.quality, 'poor');
    assert.deepEqual(poor.causes, ['delay']);
  });

  test('losses count over the interval, in the worse direction (3 % fair, 10 % poor)', () => {
    const before = sample({ packetsReceived: 1000, packetsLost: 50 });
    // 97 received + 3 lost since the last sample: 3 %.
    assert.equal(assessQuality(before, sample({ packetsReceived: 1097, packetsLost: 53 })).quality, 'fair');
    // 90 received + 10 lost: 10 %, although the connection's whole life averaged less.
    const poor = assessQuality(before, sample({ packetsReceived: 1090, packetsLost: 60 }));
    assert.equal(poor.quality, 'poor');
    assert.deepEqual(poor.causes, ['loss']);
    // They lose 25 % of ours (their receiver report) while ours arrive: still poor.
    assert.equal(assessQuality(before, sample({ packetsReceived: 1100, packetsLost: 50, remoteFractionLost: 0.25 })).quality, 'poor');
  });

  test('both causes are named, the worse first; a relay is named but is not bad by itself', () => {
    const both = assessQuality(sample(), sample({ rttMs: 400, packetsReceived: 1080, packetsLost: 20 }));
    assert.equal(both.quality, 'poor');
    assert.deepEqual(both.causes, ['loss', 'delay']);
    const relayed = assessQuality(null, sample({ relayed: true }));
    assert.equal(relayed.quality, 'good');
    assert.deepEqual(relayed.causes, ['relay']);
  });

  test('nothing measured yet is unknown; counters that went back (a new connection) give no delta', () => {
    assert.equal(assessQuality(null, sample({ rttMs: null, remoteFractionLost: null })).quality, 'unknown');
    assert.equal(lossBetween(sample({ packetsReceived: 5000 }), sample({ packetsReceived: 10, remoteFractionLost: null })), null);
    assert.equal(lossBetween(sample(), sample({ remoteFractionLost: null })), null, 'no packet since the last sample');
  });
});

describe('qualitySample', () => {
  test('reads the selected pair round trip, inbound losses, the worst receiver report and the relay', () => {
    const entries = new Map<string, StatsEntry>(
      Object.entries({
        T: { type: 'transport', selectedCandidatePairId: 'P' },
        P: { type: 'candidate-pair', localCandidateId: 'L', remoteCandidateId: 'R', currentRoundTripTime: 0.412, nominated: true, state: 'succeeded' },
        L: { type: 'local-candidate', candidateType: 'relay' },
        R: { type: 'remote-candidate', candidateType: 'host' },
        A: { type: 'inbound-rtp', kind: 'audio', packetsReceived: 900, packetsLost: 30 },
        V: { type: 'inbound-rtp', kind: 'video', packetsReceived: 400, packetsLost: 20 },
        RA: { type: 'remote-inbound-rtp', kind: 'audio', fractionLost: 0.02, roundTripTime: 0.5 },
        RV: { type: 'remote-inbound-rtp', kind: 'video', fractionLost: 0.08 },
      }),
    );
    assert.deepEqual(qualitySample(entries), { rttMs: 412, packetsReceived: 1300, packetsLost: 50, remoteFractionLost: 0.08, relayed: true });
  });

  test('without a pair round trip, the receiver report gives it', () => {
    const entries = new Map<string, StatsEntry>(Object.entries({ RA: { type: 'remote-inbound-rtp', roundTripTime: 0.75 } }));
    assert.equal(qualitySample(entries).rttMs, 750);
    assert.equal(qualitySample(entries).relayed, false);
  });
});

describe('levelToMeter', () => {
  test('maps -60..0 dBFS onto 0..1', () => {
    assert.equal(levelToMeter(0), 0);
    assert.equal(levelToMeter(0.001), 0); // -60 dBFS
    assert.equal(levelToMeter(1), 1);
    assert.ok(Math.abs(levelToMeter(0.1) - 2 / 3) < 1e-9); // -20 dBFS
    assert.equal(levelToMeter(Number.NaN), 0);
  });
});
