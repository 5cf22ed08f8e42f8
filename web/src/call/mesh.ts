import type { ClientMessage, ServerMessage, SignalParticipant } from '../types.ts';

/** What the UI shows of one remote participant. */
export interface PeerView {
  userId: string;
  displayName: string;
  /** The peer connection's state, or `waiting` while no connection exists yet (waiting for their offer). */
  connectionState: RTCPeerConnectionState | 'waiting';
  micEnabled: boolean;
  cameraEnabled: boolean;
  /** Their voice is active (reported by them over signaling). */
  speaking: boolean;
  /** True while an ICE restart towards them is under way. */
  restarting: boolean;
  /** Their audio and video, once a track arrived. */
  stream: MediaStream | null;
}

/** Inbound media counters and the selected ICE path of one peer connection (from `getStats()`). */
export interface PeerStats {
  userId: string;
  connectionState: PeerView['connectionState'];
  audioBytesReceived: number;
  videoBytesReceived: number;
  inboundBytes: number;
  /** `host`, `srflx`, `prflx` or `relay` for the selected candidate pair; `null` before one is selected. */
  localCandidateType: string | null;
  remoteCandidateType: string | null;
  /** ICE restarts done on this connection so far. */
  iceRestarts: number;
}

export interface MeshOptions {
  selfUserId: string;
  /** Our camera and microphone; `null` joins receive-only. */
  localStream: MediaStream | null;
  /** The ICE configuration for a new connection or an ICE restart (`/api/ice-servers`). */
  rtcConfig(): Promise<RTCConfiguration>;
  /** Sends a signaling frame; returns whether it went out (the socket may be reconnecting). */
  send(message: ClientMessage): boolean;
  /** Called after any change visible in `peers()`. */
  onChange(): void;
  /** Called with failures that do not stop the call (logged by default). */
  onError?(userId: string, error: unknown): void;
}

interface Peer {
  userId: string;
  displayName: string;
  micEnabled: boolean;
  cameraEnabled: boolean;
  speaking: boolean;
  pc: RTCPeerConnection | null;
  stream: MediaStream | null;
  /** Candidates that arrived before the remote description was set. */
  pendingCandidates: RTCIceCandidateInit[];
  /** True when we created the current connection's first offer: we drive its ICE restarts. */
  offerer: boolean;
  makingOffer: boolean;
  /** ICE restarts since the connection was last `connected`. */
  restarts: number;
  /** ICE restarts over the connection's life (diagnostics). */
  totalRestarts: number;
  /** Pending recovery check (ICE restart) while the connection is `disconnected` or `failed`. */
  recoveryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Serialises the handling of this peer's signaling messages. */
  queue: Promise<void>;
}

/** A `disconnected` connection gets this long to come back by itself before an ICE restart. */
const DISCONNECTED_GRACE_MS = 3000;
/** A `failed` connection is restarted after this (lets a burst of state changes settle). */
const FAILED_DELAY_MS = 500;
/** After a restart, how long to wait for `connected` before trying again. */
const RESTART_TIMEOUT_MS = 10_000;
/** ICE restarts in a row before starting over with a new connection (once). */
const MAX_RESTARTS = 3;

/** The DTLS fingerprint of an SDP: it identifies the remote `RTCPeerConnection` that wrote it. */
function fingerprint(sdp: string | undefined): string | null {
  const match = sdp ? /^a=fingerprint:(.+)$/m.exec(sdp) : null;
  return match ? match[1]!.trim() : null;
}

/**
 * The full-mesh WebRTC logic of one call, independent of React (DESIGN 4.3): the newcomer offers
 * to everyone in `participant-list`; existing participants answer. One `RTCPeerConnection` per
 * remote participant. Messages for one peer are handled in order; ICE candidates that arrive
 * before the remote description are queued.
 *
 * Recovery: when a connection goes `failed`, or stays `disconnected` for a few seconds, its
 * offerer calls `restartIce()` and sends a new offer (with fresh ICE servers); the answerer
 * applies an offer from the same remote connection (same DTLS fingerprint) in place, and replaces
 * its connection when the offer comes from a new one (the peer rejoined).
 */
export class PeerMesh {
  private readonly peers = new Map<string, Peer>();
  private closed = false;

  constructor(private readonly opts: MeshOptions) {}

  /** The remote participants, in the order they appeared. */
  peerViews(): PeerView[] {
    return [...this.peers.values()].map((p) => ({
      userId: p.userId,
      displayName: p.displayName,
      connectionState: p.pc ? p.pc.connectionState : 'waiting',
      micEnabled: p.micEnabled,
      cameraEnabled: p.cameraEnabled,
      speaking: p.speaking,
      restarting: p.restarts > 0,
      stream: p.stream,
    }));
  }

  /** Handles the signaling frames that concern peers; ignores the others. */
  handle(message: ServerMessage): void {
    if (this.closed) return;
    switch (message.type) {
      case 'participant-list':
        // A (re)connection of ours: the others drop their old connections to us, so do we.
        for (const peer of this.peers.values()) this.closePeer(peer);
        this.peers.clear();
        for (const participant of message.participants) {
          if (participant.userId === this.opts.selfUserId) continue;
          const peer = this.addPeer(participant);
          this.enqueue(peer, () => this.offer(peer));
        }
        break;
      case 'participant-joined': {
        const { participant } = message;
        if (participant.userId === this.opts.selfUserId) break;
        const old = this.peers.get(participant.userId);
        if (old) {
          this.closePeer(old);
          this.peers.delete(participant.userId);
        }
        this.addPeer(participant);
        break;
      }
      case 'participant-left': {
        const peer = this.peers.get(message.userId);
        if (peer) {
          this.closePeer(peer);
          this.peers.delete(message.userId);
        }
        break;
      }
      case 'offer': {
        const peer = this.peers.get(message.fromUserId) ?? this.addPeer({ userId: message.fromUserId, displayName: message.fromUserId });
        this.enqueue(peer, () => this.answer(peer, message.sdp));
        return;
      }
      case 'answer': {
        const peer = this.peers.get(message.fromUserId);
        if (peer) this.enqueue(peer, () => this.acceptAnswer(peer, message.sdp));
        return;
      }
      case 'ice-candidate': {
        const peer = this.peers.get(message.fromUserId);
        const candidate = message.candidate;
        if (peer && candidate) this.enqueue(peer, () => this.addCandidate(peer, candidate));
        return;
      }
      case 'media-state': {
        const peer = this.peers.get(message.userId);
        if (!peer) return;
        peer.micEnabled = message.micEnabled;
        peer.cameraEnabled = message.cameraEnabled;
        break;
      }
      case 'speaking': {
        const peer = this.peers.get(message.userId);
        if (!peer || peer.speaking === message.speaking) return;
        peer.speaking = message.speaking;
        break;
      }
      default:
        return;
    }
    this.opts.onChange();
  }

  /** Inbound byte counters and the selected candidate pair of every peer connection. */
  async stats(): Promise<PeerStats[]> {
    return Promise.all([...this.peers.values()].map((peer) => peerStats(peer)));
  }

  /** Closes every peer connection. The local stream is left to its owner. */
  close(): void {
    this.closed = true;
    for (const peer of this.peers.values()) this.closePeer(peer);
    this.peers.clear();
    this.opts.onChange();
  }

  private addPeer(p: SignalParticipant): Peer {
    const peer: Peer = {
      userId: p.userId,
      displayName: p.displayName || p.userId,
      micEnabled: p.micEnabled ?? true,
      cameraEnabled: p.cameraEnabled ?? true,
      speaking: p.speaking ?? false,
      pc: null,
      stream: null,
      pendingCandidates: [],
      offerer: false,
      makingOffer: false,
      restarts: 0,
      totalRestarts: 0,
      recoveryTimer: undefined,
      queue: Promise.resolve(),
    };
    this.peers.set(p.userId, peer);
    return peer;
  }

  private isCurrent(peer: Peer): boolean {
    return !this.closed && this.peers.get(peer.userId) === peer;
  }

  private enqueue(peer: Peer, task: () => Promise<void>): void {
    peer.queue = peer.queue.then(async () => {
      if (!this.isCurrent(peer)) return;
      try {
        await task();
      } catch (err) {
        this.reportError(peer.userId, err);
      }
      this.opts.onChange();
    });
  }

  private reportError(userId: string, err: unknown): void {
    if (this.opts.onError) this.opts.onError(userId, err);
    else console.warn(`[call] peer ${userId}:`, err);
  }

  /** A fresh connection for `peer`, replacing any previous one. */
  private createConnection(peer: Peer, config: RTCConfiguration): RTCPeerConnection {
    this.closePeer(peer);
    const pc = new RTCPeerConnection(config);
    peer.pc = pc;
    pc.onicecandidate = (event) => {
      if (peer.pc !== pc || !event.candidate) return;
      this.opts.send({ type: 'ice-candidate', toUserId: peer.userId, candidate: event.candidate.toJSON() });
    };
    pc.ontrack = (event) => {
      if (peer.pc !== pc) return;
      const stream = event.streams[0] ?? peer.stream ?? new MediaStream();
      if (!stream.getTracks().includes(event.track)) stream.addTrack(event.track);
      peer.stream = stream;
      this.opts.onChange();
    };
    pc.onconnectionstatechange = () => {
      if (peer.pc !== pc) return;
      switch (pc.connectionState) {
        case 'connected':
          peer.restarts = 0;
          clearTimeout(peer.recoveryTimer);
          peer.recoveryTimer = undefined;
          break;
        case 'disconnected':
          this.scheduleRecovery(peer, pc, DISCONNECTED_GRACE_MS);
          break;
        case 'failed':
          this.scheduleRecovery(peer, pc, FAILED_DELAY_MS);
          break;
        default:
          break;
      }
      this.opts.onChange();
    };
    return pc;
  }

  /**
   * As the offerer of a connection that is `disconnected` or `failed`: after `delayMs`, if it has
   * not recovered, restart ICE; check again after each attempt until it connects. After
   * `MAX_RESTARTS` restarts, start over once with a new connection.
   */
  private scheduleRecovery(peer: Peer, pc: RTCPeerConnection, delayMs: number): void {
    if (!peer.offerer) return; // the offerer drives recovery; we answer its new offer
    if (peer.recoveryTimer !== undefined && delayMs >= DISCONNECTED_GRACE_MS) return; // a check is already pending
    clearTimeout(peer.recoveryTimer);
    peer.recoveryTimer = setTimeout(() => {
      peer.recoveryTimer = undefined;
      if (peer.pc !== pc || !this.isCurrent(peer)) return;
      if (pc.connectionState !== 'disconnected' && pc.connectionState !== 'failed') return;
      if (peer.restarts >= MAX_RESTARTS) {
        if (peer.restarts === MAX_RESTARTS) {
          peer.restarts += 1;
          this.enqueue(peer, () => this.offer(peer, peer.restarts));
        }
        return;
      }
      this.enqueue(peer, () => this.restartIce(peer, pc));
      peer.recoveryTimer = setTimeout(() => {
        peer.recoveryTimer = undefined;
        if (peer.pc === pc && pc.connectionState !== 'connected') this.scheduleRecovery(peer, pc, 0);
      }, RESTART_TIMEOUT_MS);
    }, delayMs);
  }

  /** `restartIce()` with fresh ICE servers, and the new offer (`iceRestart`) to the peer. */
  private async restartIce(peer: Peer, pc: RTCPeerConnection): Promise<void> {
    if (peer.pc !== pc || pc.connectionState === 'connected' || pc.signalingState === 'closed') return;
    const config = await this.opts.rtcConfig();
    if (peer.pc !== pc) return;
    try {
      pc.setConfiguration({ ...pc.getConfiguration(), iceServers: config.iceServers, iceTransportPolicy: config.iceTransportPolicy });
    } catch (err) {
      this.reportError(peer.userId, err);
    }
    // An offer still waiting for its answer (lost while signaling was down) is withdrawn first.
    if (pc.signalingState === 'have-local-offer') await pc.setLocalDescription({ type: 'rollback' });
    peer.restarts += 1;
    peer.totalRestarts += 1;
    pc.restartIce();
    peer.makingOffer = true;
    try {
      const offer = await pc.createOffer({ iceRestart: true });
      if (peer.pc !== pc) return;
      await pc.setLocalDescription(offer);
      if (peer.pc !== pc) return;
      this.opts.send({ type: 'offer', toUserId: peer.userId, sdp: pc.localDescription!.sdp });
    } finally {
      peer.makingOffer = false;
    }
  }

  /** As the newcomer: a new connection and an offer to `peer`. */
  private async offer(peer: Peer, keepRestarts = 0): Promise<void> {
    const config = await this.opts.rtcConfig();
    if (!this.isCurrent(peer)) return;
    const pc = this.createConnection(peer, config);
    peer.offerer = true;
    peer.restarts = keepRestarts;
    const local = this.opts.localStream;
    for (const kind of ['audio', 'video'] as const) {
      const tracks = local?.getTracks().filter((t) => t.kind === kind) ?? [];
      if (tracks.length === 0) pc.addTransceiver(kind, { direction: 'recvonly' });
      for (const track of tracks) pc.addTrack(track, local!);
    }
    peer.makingOffer = true;
    try {
      const offer = await pc.createOffer();
      if (peer.pc !== pc) return;
      await pc.setLocalDescription(offer);
      if (peer.pc !== pc) return;
      this.opts.send({ type: 'offer', toUserId: peer.userId, sdp: pc.localDescription!.sdp });
    } finally {
      peer.makingOffer = false;
    }
  }

  /**
   * An offer from `peer`: applied in place when it comes from the connection we already talk to
   * (an ICE restart), otherwise answered on a new connection (they joined or rejoined).
   */
  private async answer(peer: Peer, sdp: string): Promise<void> {
    const current = peer.pc;
    const sameRemote =
      current !== null &&
      current.signalingState !== 'closed' &&
      current.remoteDescription !== null &&
      fingerprint(current.remoteDescription.sdp) !== null &&
      fingerprint(current.remoteDescription.sdp) === fingerprint(sdp);
    if (sameRemote && current.signalingState === 'stable') {
      await current.setRemoteDescription({ type: 'offer', sdp });
      const answer = await current.createAnswer();
      if (peer.pc !== current) return;
      await current.setLocalDescription(answer);
      this.opts.send({ type: 'answer', toUserId: peer.userId, sdp: current.localDescription!.sdp });
      return;
    }
    const collision = current !== null && !sameRemote && (peer.makingOffer || current.signalingState === 'have-local-offer');
    // Both sides offered a new connection at once: the side with the smaller id yields and answers.
    if (collision && this.opts.selfUserId > peer.userId) return;
    const config = await this.opts.rtcConfig();
    if (!this.isCurrent(peer)) return;
    const pending = peer.pendingCandidates;
    const pc = this.createConnection(peer, config);
    peer.pendingCandidates = pending; // candidates that came with this offer
    peer.offerer = false;
    peer.restarts = 0;
    await pc.setRemoteDescription({ type: 'offer', sdp });
    const local = this.opts.localStream;
    if (local) for (const track of local.getTracks()) pc.addTrack(track, local);
    const answer = await pc.createAnswer();
    if (peer.pc !== pc) return;
    await pc.setLocalDescription(answer);
    if (peer.pc !== pc) return;
    this.opts.send({ type: 'answer', toUserId: peer.userId, sdp: pc.localDescription!.sdp });
    await this.flushCandidates(peer, pc);
  }

  private async acceptAnswer(peer: Peer, sdp: string): Promise<void> {
    const pc = peer.pc;
    if (!pc || pc.signalingState !== 'have-local-offer') return;
    await pc.setRemoteDescription({ type: 'answer', sdp });
    await this.flushCandidates(peer, pc);
  }

  private async addCandidate(peer: Peer, candidate: RTCIceCandidateInit): Promise<void> {
    const pc = peer.pc;
    if (!pc || !pc.remoteDescription) {
      peer.pendingCandidates.push(candidate);
      return;
    }
    await pc.addIceCandidate(candidate).catch((err) => this.reportError(peer.userId, err));
  }

  private async flushCandidates(peer: Peer, pc: RTCPeerConnection): Promise<void> {
    const pending = peer.pendingCandidates;
    peer.pendingCandidates = [];
    for (const candidate of pending) {
      if (peer.pc !== pc) return;
      await pc.addIceCandidate(candidate).catch((err) => this.reportError(peer.userId, err));
    }
  }

  private closePeer(peer: Peer): void {
    clearTimeout(peer.recoveryTimer);
    peer.recoveryTimer = undefined;
    peer.pc?.close();
    peer.pc = null;
    peer.stream = null;
    peer.pendingCandidates = [];
    peer.speaking = false;
  }
}

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

async function peerStats(peer: Peer): Promise<PeerStats> {
  let audio = 0;
  let video = 0;
  let localType: string | null = null;
  let remoteType: string | null = null;
  const pc = peer.pc;
  if (pc) {
    const report = await pc.getStats();
    const entries = new Map<string, StatsEntry>();
    report.forEach((s: StatsEntry & { id: string }) => entries.set(s.id, s));
    let pair: StatsEntry | undefined;
    for (const s of entries.values()) {
      if (s.type === 'inbound-rtp') {
        if (s.kind === 'audio') audio += s.bytesReceived ?? 0;
        else if (s.kind === 'video') video += s.bytesReceived ?? 0;
      } else if (s.type === 'transport' && s.selectedCandidatePairId) {
        pair = entries.get(s.selectedCandidatePairId);
      }
    }
    pair ??= [...entries.values()].find((s) => s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded');
    if (pair) {
      localType = entries.get(pair.localCandidateId ?? '')?.candidateType ?? null;
      remoteType = entries.get(pair.remoteCandidateId ?? '')?.candidateType ?? null;
    }
  }
  return {
    userId: peer.userId,
    connectionState: pc ? pc.connectionState : 'waiting',
    audioBytesReceived: audio,
    videoBytesReceived: video,
    inboundBytes: audio + video,
    localCandidateType: localType,
    remoteCandidateType: remoteType,
    iceRestarts: peer.totalRestarts,
  };
}
