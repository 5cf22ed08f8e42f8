import type { ClientMessage, ServerMessage, SignalParticipant } from '../types.ts';

/** What the UI shows of one remote participant. */
export interface PeerView {
  userId: string;
  displayName: string;
  /** The peer connection's state, or `waiting` while no connection exists yet (waiting for their offer). */
  connectionState: RTCPeerConnectionState | 'waiting';
  micEnabled: boolean;
  cameraEnabled: boolean;
  /** Their audio and video, once a track arrived. */
  stream: MediaStream | null;
}

/** Inbound media counters of one peer connection (from `getStats()`). */
export interface PeerStats {
  userId: string;
  connectionState: PeerView['connectionState'];
  audioBytesReceived: number;
  videoBytesReceived: number;
  inboundBytes: number;
}

export interface MeshOptions {
  selfUserId: string;
  /** Our camera and microphone; `null` joins receive-only. */
  localStream: MediaStream | null;
  rtcConfig: RTCConfiguration;
  /** Sends a signaling frame. */
  send(message: ClientMessage): void;
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
  pc: RTCPeerConnection | null;
  stream: MediaStream | null;
  /** Candidates that arrived before the remote description was set. */
  pendingCandidates: RTCIceCandidateInit[];
  /** True when we created the current offer (we are the newcomer towards this peer). */
  offerer: boolean;
  makingOffer: boolean;
  restarts: number;
  /** Serialises the handling of this peer's signaling messages. */
  queue: Promise<void>;
}

const MAX_RESTARTS = 3;

/**
 * The full-mesh WebRTC logic of one call, independent of React (DESIGN 4.3): the newcomer offers
 * to everyone in `participant-list`; existing participants answer. One `RTCPeerConnection` per
 * remote participant. Messages for one peer are handled in order; ICE candidates that arrive
 * before the remote description are queued.
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
      default:
        return;
    }
    this.opts.onChange();
  }

  /** Inbound byte counters of every peer connection. */
  async stats(): Promise<PeerStats[]> {
    return Promise.all(
      [...this.peers.values()].map(async (peer) => {
        let audio = 0;
        let video = 0;
        if (peer.pc) {
          const report = await peer.pc.getStats();
          report.forEach((s: { type: string; kind?: string; bytesReceived?: number }) => {
            if (s.type !== 'inbound-rtp') return;
            if (s.kind === 'audio') audio += s.bytesReceived ?? 0;
            else if (s.kind === 'video') video += s.bytesReceived ?? 0;
          });
        }
        return {
          userId: peer.userId,
          connectionState: peer.pc ? peer.pc.connectionState : ('waiting' as const),
          audioBytesReceived: audio,
          videoBytesReceived: video,
          inboundBytes: audio + video,
        };
      }),
    );
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
      pc: null,
      stream: null,
      pendingCandidates: [],
      offerer: false,
      makingOffer: false,
      restarts: 0,
      queue: Promise.resolve(),
    };
    this.peers.set(p.userId, peer);
    return peer;
  }

  private enqueue(peer: Peer, task: () => Promise<void>): void {
    peer.queue = peer.queue.then(async () => {
      if (this.closed || this.peers.get(peer.userId) !== peer) return;
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
  private createConnection(peer: Peer): RTCPeerConnection {
    if (peer.pc) peer.pc.close();
    const pc = new RTCPeerConnection(this.opts.rtcConfig);
    peer.pc = pc;
    peer.stream = null;
    peer.pendingCandidates = [];
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
      if (pc.connectionState === 'connected') peer.restarts = 0;
      if (pc.connectionState === 'failed' && peer.offerer && peer.restarts < MAX_RESTARTS) {
        // The answering side replaces its connection on any new offer, so start over.
        peer.restarts += 1;
        setTimeout(() => this.enqueue(peer, () => this.offer(peer)), 1000);
      }
      this.opts.onChange();
    };
    return pc;
  }

  /** As the newcomer: a new connection and an offer to `peer`. */
  private async offer(peer: Peer): Promise<void> {
    const pc = this.createConnection(peer);
    peer.offerer = true;
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

  /** As an existing participant (or the polite side of a collision): answer `peer`'s offer. */
  private async answer(peer: Peer, sdp: string): Promise<void> {
    const current = peer.pc;
    const collision = current !== null && (peer.makingOffer || current.signalingState === 'have-local-offer');
    // Both sides offered at once: the side with the smaller id yields and answers.
    if (collision && this.opts.selfUserId > peer.userId) return;
    const pc = this.createConnection(peer);
    peer.offerer = false;
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
    peer.pc?.close();
    peer.pc = null;
    peer.stream = null;
    peer.pendingCandidates = [];
  }
}
