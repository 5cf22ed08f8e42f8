/**
 * What a call's peer connections report through `getStats()`, boiled down to what the debug hook
 * (and the browser tests) read: bytes received per media kind and the selected ICE path.
 */

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
interface StatsEntry {
  type: string;
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
  let pair: StatsEntry | undefined;
  for (const s of entries.values()) {
    if (s.type === 'inbound-rtp') {
      if (s.kind === 'audio') audio += s.bytesReceived ?? 0;
      else if (s.kind === 'video') video += s.bytesReceived ?? 0;
    } else if (s.type === 'transport' && s.selectedCandidatePairId) {
      pair = entries.get(s.selectedCandidatePairId);
    }
  }
  // Without a transport entry naming it (some browsers), the nominated pair that succeeded.
  pair ??= [...entries.values()].find((s) => s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded');
  return {
    audioBytesReceived: audio,
    videoBytesReceived: video,
    localCandidateType: (pair && entries.get(pair.localCandidateId ?? '')?.candidateType) ?? null,
    remoteCandidateType: (pair && entries.get(pair.remoteCandidateId ?? '')?.candidateType) ?? null,
  };
}

/**
 * The stats of the connection to `userId` (`pc`, or `null` before there is one: zeros).
 * @param iceRestarts ICE restarts over the connection's life.
 */
export async function connectionStats(userId: string, pc: RTCPeerConnection | null, iceRestarts: number): Promise<ParticipantStats> {
  let summary: ReturnType<typeof summarizeStats> = { audioBytesReceived: 0, videoBytesReceived: 0, localCandidateType: null, remoteCandidateType: null };
  if (pc) {
    const report = await pc.getStats();
    const entries = new Map<string, StatsEntry>();
    report.forEach((s: StatsEntry & { id: string }) => entries.set(s.id, s));
    summary = summarizeStats(entries);
  }
  return {
    userId,
    connectionState: pc ? pc.connectionState : 'waiting',
    ...summary,
    inboundBytes: summary.audioBytesReceived + summary.videoBytesReceived,
    iceRestarts,
  };
}
