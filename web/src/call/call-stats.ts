/**
 * What a call's peer connections report through `getStats()`, boiled down to what the debug hook
 * (and the browser tests) read: bytes received per media kind and the selected ICE path.
 */

import type { QualitySample } from './call-quality.ts';

/** Inbound media counters and the selected ICE path of the connection to one remote participant. */
export interface ParticipantStats {
  userId: string;
  /** The peer connection's state, or `waiting` while no connection exists yet. */
  connectionState: RTCPeerConnectionState | 'waiting';
  /** Bytes of inbound RTP, summed over the streams of that kind. */
  audioBytesReceived: number;
  videoBytesReceived: number;
  inboundBytes: number;
  /** `host`, `srflx`, `prflx` or `relay` for the selected candidate pair; `null` before one is selected. */
  localCandidateType: string | null;
  remoteCandidateType: string | null;
  /** ICE restarts done on this connection so far. */
  iceRestarts: number;
}

/** The fields of `RTCStats` entries read here (the report's entries are of many types). */
export interface StatsEntry {
  type: string;
  packetsReceived?: number;
  packetsLost?: number;
  fractionLost?: number;
  roundTripTime?: number;
  currentRoundTripTime?: number;
  kind?: string;
  bytesReceived?: number;
  selectedCandidatePairId?: string;
  localCandidateId?: string;
  remoteCandidateId?: string;
  candidateType?: string;
  nominated?: boolean;
  state?: string;
}

/** Sums inbound bytes per kind and finds the selected candidate pair's two candidate types. */
export function summarizeStats(entries: ReadonlyMap<string, StatsEntry>): Pick<ParticipantStats, 'audioBytesReceived' | 'videoBytesReceived' | 'localCandidateType' | 'remoteCandidateType'> {
  let audio = 0;
  let video = 0;
  for (const s of entries.values()) {
    if (s.type !== 'inbound-rtp') continue;
    if (s.kind === 'audio') audio += s.bytesReceived ?? 0;
    else if (s.kind === 'video') video += s.bytesReceived ?? 0;
  }
  const pair = selectedPair(entries);
  return {
    audioBytesReceived: audio,
    videoBytesReceived: video,
    localCandidateType: (pair && entries.get(pair.localCandidateId ?? '')?.candidateType) ?? null,
    remoteCandidateType: (pair && entries.get(pair.remoteCandidateId ?? '')?.candidateType) ?? null,
  };
}

/** The entries of a report, by id. */
function entriesOf(report: RTCStatsReport): Map<string, StatsEntry> {
  const entries = new Map<string, StatsEntry>();
  report.forEach((s: StatsEntry & { id: string }) => entries.set(s.id, s));
  return entries;
}

/** The selected candidate pair: named by the transport, else the nominated pair that succeeded. */
function selectedPair(entries: ReadonlyMap<string, StatsEntry>): StatsEntry | undefined {
  for (const s of entries.values()) if (s.type === 'transport' && s.selectedCandidatePairId) return entries.get(s.selectedCandidatePairId);
  return [...entries.values()].find((s) => s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded');
}

/**
 * The counters the quality indicator needs (`call-quality.ts`) from one report: round trip of
 * the selected pair (seconds in the report, ms here; the remote-inbound report's when the pair has
 * none), inbound packets and losses, the worst `fractionLost` of their receiver reports, relay.
 */
export function qualitySample(entries: ReadonlyMap<string, StatsEntry>): QualitySample {
  const pair = selectedPair(entries);
  let packetsReceived = 0;
  let packetsLost = 0;
  let remoteFractionLost: number | null = null;
  let remoteRtt: number | null = null;
  for (const s of entries.values()) {
    if (s.type === 'inbound-rtp') {
      packetsReceived += s.packetsReceived ?? 0;
      packetsLost += Math.max(0, s.packetsLost ?? 0);
    } else if (s.type === 'remote-inbound-rtp') {
      if (typeof s.fractionLost === 'number') remoteFractionLost = Math.max(remoteFractionLost ?? 0, s.fractionLost);
      if (typeof s.roundTripTime === 'number') remoteRtt = Math.max(remoteRtt ?? 0, s.roundTripTime);
    }
  }
  const pairRtt = typeof pair?.currentRoundTripTime === 'number' ? pair.currentRoundTripTime : null;
  const rtt = pairRtt ?? remoteRtt;
  const type = (id: string | undefined) => (id ? entries.get(id)?.candidateType : undefined);
  return {
    rttMs: rtt === null ? null : Math.round(rtt * 1000),
    packetsReceived,
    packetsLost,
    remoteFractionLost,
    relayed: type(pair?.localCandidateId) === 'relay' || type(pair?.remoteCandidateId) === 'relay',
  };
}

/** `qualitySample` of a live connection. */
export async function sampleConnection(pc: RTCPeerConnection): Promise<QualitySample> {
  return qualitySample(entriesOf(await pc.getStats()));
}

/**
 * The stats of the connection to `userId` (`pc`, or `null` before there is one: zeros).
 * @param iceRestarts ICE restarts over the connection's life.
 */
export async function connectionStats(userId: string, pc: RTCPeerConnection | null, iceRestarts: number): Promise<ParticipantStats> {
  let summary: ReturnType<typeof summarizeStats> = { audioBytesReceived: 0, videoBytesReceived: 0, localCandidateType: null, remoteCandidateType: null };
  if (pc) {
    summary = summarizeStats(entriesOf(await pc.getStats()));
  }
  return {
    userId,
    connectionState: pc ? pc.connectionState : 'waiting',
    ...summary,
    inboundBytes: summary.audioBytesReceived + summary.videoBytesReceived,
    iceRestarts,
  };
}
