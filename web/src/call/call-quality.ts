/**
 * Connection quality of one peer connection (issue 15): each tile of the call shows whether the
 * link to that participant is good, fair or poor, from its own `RTCPeerConnection.getStats()`
 * only, so one participant's bad connection never changes anyone else's tile. Pure: the samples
 * come from `call-stats.ts` (`qualitySample`), the mesh samples every few seconds.
 */

/** What the indicator shows; `unknown` until two samples exist. */
export type Quality = 'good' | 'fair' | 'poor' | 'unknown';

/** What makes a link worse, for the plain-language hint. `relay`: the media goes through a TURN server. */
export type QualityCause = 'delay' | 'loss' | 'relay';

/** Counters read from one `getStats()` report of a connection. */
export interface QualitySample {
  /** Round-trip time of the selected candidate pair (or the remote-inbound report), ms; null when not measured yet. */
  rttMs: number | null;
  /** Inbound RTP from them, summed over audio and video. */
  packetsReceived: number;
  packetsLost: number;
  /** The share of our packets they lost, from their receiver reports (0..1), worst of our streams; null before one. */
  remoteFractionLost: number | null;
  /** The selected pair uses a relay (TURN) candidate on either side. */
  relayed: boolean;
}

/** Where good turns fair and fair turns poor. */
export interface QualityThresholds {
  fairRttMs: number;
  poorRttMs: number;
  /** Share of packets lost over the sampling interval (0..1). */
  fairLoss: number;
  poorLoss: number;
}

/**
 * ITU-T G.114 puts one-way delay up to 150 ms as unnoticed in conversation (a round trip of
 * ~300 ms), and delay above 400 ms one way as unacceptable; Opus and VP8 conceal a few percent of
 * lost packets, and speech breaks up beyond ~10 %.
 */
export const DEFAULT_QUALITY_THRESHOLDS: QualityThresholds = { fairRttMs: 300, poorRttMs: 700, fairLoss: 0.03, poorLoss: 0.1 };

/** The verdict for one connection. */
export interface QualityAssessment {
  quality: Quality;
  rttMs: number | null;
  /** Share of packets lost over the last interval, worst direction (0..1); null when unknown. */
  loss: number | null;
  relayed: boolean;
  /** Why it is not good (and `relay` whenever relayed), most serious first. */
  causes: QualityCause[];
}

/**
 * Packet loss between two samples, in the worse direction: what we lost of theirs (inbound
 * counters' deltas) or what they lost of ours (their last receiver report).
 * @returns 0..1, or null when neither direction says anything yet.
 */
export function lossBetween(previous: QualitySample | null, next: QualitySample): number | null {
  let inbound: number | null = null;
  if (previous) {
    const received = next.packetsReceived - previous.packetsReceived;
    const lost = next.packetsLost - previous.packetsLost;
    // A counter that went back belongs to a new connection: no delta this time.
    if (received >= 0 && lost >= 0 && received + lost > 0) inbound = lost / (received + lost);
  }
  const outbound = next.remoteFractionLost;
  if (inbound === null) return outbound;
  if (outbound === null) return inbound;
  return Math.max(inbound, outbound);
}

/** Classifies a connection from two consecutive samples (thresholds: `DEFAULT_QUALITY_THRESHOLDS`). */
export function assessQuality(previous: QualitySample | null, next: QualitySample, thresholds: QualityThresholds = DEFAULT_QUALITY_THRESHOLDS): QualityAssessment {
  const loss = lossBetween(previous, next);
  const rttMs = next.rttMs;
  const causes: QualityCause[] = [];
  let quality: Quality = 'unknown';
  if (rttMs !== null || loss !== null) {
    const lossLevel = loss === null ? 0 : loss >= thresholds.poorLoss ? 2 : loss >= thresholds.fairLoss ? 1 : 0;
    const delayLevel = rttMs === null ? 0 : rttMs >= thresholds.poorRttMs ? 2 : rttMs >= thresholds.fairRttMs ? 1 : 0;
    const worst = Math.max(lossLevel, delayLevel);
    quality = worst === 2 ? 'poor' : worst === 1 ? 'fair' : 'good';
    if (lossLevel > 0 && lossLevel >= delayLevel) causes.push('loss');
    if (delayLevel > 0) causes.push('delay');
    if (lossLevel > 0 && lossLevel < delayLevel) causes.push('loss');
  }
  if (next.relayed) causes.push('relay');
  return { quality, rttMs, loss, relayed: next.relayed, causes };
}
