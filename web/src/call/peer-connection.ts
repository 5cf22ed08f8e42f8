/**
 * One remote participant of the call and our `RTCPeerConnection` to them: the offer / answer
 * exchange, ICE candidates (queued until the remote description is set) and the incoming media.
 * Signaling work for one participant runs in order (`enqueue`); ICE recovery is `IceRecovery`'s.
 */
import type { ClientMessage, IceCandidate, SignalingParticipant } from '../types.ts';
import { assessQuality, type QualityAssessment, type QualitySample } from './call-quality.ts';
import { sampleConnection } from './call-stats.ts';
import { IceRecovery, type RecoveryTarget } from './ice-recovery.ts';

/** What the UI shows of one remote participant. */
export interface ParticipantView {
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
  /** The quality of our connection to them (`call-quality.ts`), `null` while not connected. */
  quality: QualityAssessment | null;
}

/** What every participant's connection shares: who we are, our media, and the way out. */
export interface ConnectionContext {
  selfUserId: string;
  /** Our camera and microphone; `null` joins receive-only. */
  localStream: MediaStream | null;
  /** The ICE configuration for a new connection or an ICE restart (`/api/ice-servers`). */
  rtcConfig(): Promise<RTCConfiguration>;
  /** Sends a signaling frame; returns whether it went out (the socket may be reconnecting). */
  send(message: ClientMessage): boolean;
  /** Called after any change visible in `view()`. */
  onChange(): void;
  /** Failures that do not stop the call. */
  reportError(userId: string, error: unknown): void;
  /** Counts the offers we create (a device switch must create none: `replaceTrack` needs no renegotiation). */
  countOffer(): void;
}

/** The DTLS fingerprint of an SDP: it identifies the remote `RTCPeerConnection` that wrote it. */
function fingerprint(sdp: string | undefined): string | null {
  const match = sdp ? /^a=fingerprint:(.+)$/m.exec(sdp) : null;
  return match ? match[1]!.trim() : null;
}

/** The wire's form of a local candidate (what `RTCIceCandidate.toJSON()` gives). */
function candidateInit(c: RTCIceCandidate): NonNullable<IceCandidate> {
  return { candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex, usernameFragment: c.usernameFragment };
}

/** A remote participant: their announced state, and the connection to them (none until an offer). */
export class RemoteParticipant implements RecoveryTarget {
  readonly userId: string;
  displayName: string;
  micEnabled: boolean;
  cameraEnabled: boolean;
  speaking = false;
  pc: RTCPeerConnection | null = null;
  /** True when we created the current connection's first offer: we drive its ICE restarts. */
  offerer = false;
  readonly recovery: IceRecovery;
  private stream: MediaStream | null = null;
  private makingOffer = false;
  /** Candidates that arrived before the remote description was set. */
  private pendingCandidates: RTCIceCandidateInit[] = [];
  /** Serialises the handling of this participant's signaling messages. */
  private queue: Promise<void> = Promise.resolve();
  private retired = false;
  private quality: QualityAssessment | null = null;
  private lastSample: QualitySample | null = null;

  constructor(
    participant: SignalingParticipant,
    private readonly ctx: ConnectionContext,
  ) {
    this.userId = participant.userId;
    this.displayName = participant.displayName || participant.userId;
    this.micEnabled = participant.micEnabled;
    this.cameraEnabled = participant.cameraEnabled;
    this.recovery = new IceRecovery(this);
  }

  /** False once the participant left, rejoined (a new `RemoteParticipant`) or the call closed. */
  get active(): boolean {
    return !this.retired;
  }

  /** What the UI shows of them now (a fresh object). */
  view(): ParticipantView {
    return {
      userId: this.userId,
      displayName: this.displayName,
      connectionState: this.pc ? this.pc.connectionState : 'waiting',
      micEnabled: this.micEnabled,
      cameraEnabled: this.cameraEnabled,
      speaking: this.speaking,
      restarting: this.recovery.restarting,
      stream: this.stream,
      quality: this.quality,
    };
  }

  /** Runs `task` after the work already queued for this participant; failures are reported, not thrown. */
  enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(async () => {
      if (this.retired) return;
      try {
        await task();
      } catch (err) {
        this.reportError(err);
      }
      this.ctx.onChange();
    });
  }

  /** The ICE configuration for a new connection or a restart. */
  rtcConfig(): Promise<RTCConfiguration> {
    return this.ctx.rtcConfig();
  }

  /** Reports a failure that does not stop the call. */
  reportError(error: unknown): void {
    this.ctx.reportError(this.userId, error);
  }

  /**
   * Samples the connection's stats and re-assesses its quality (against the previous sample, so
   * losses are counted over the interval). @returns true when what the tile shows changed.
   */
  async sampleQuality(): Promise<boolean> {
    const pc = this.pc;
    if (!pc || pc.connectionState !== 'connected') {
      const changed = this.quality !== null;
      this.quality = null;
      this.lastSample = null;
      return changed;
    }
    const sample = await sampleConnection(pc);
    if (this.pc !== pc) return false;
    const next = assessQuality(this.lastSample, sample);
    this.lastSample = sample;
    const before = this.quality;
    this.quality = next;
    return before === null || before.quality !== next.quality || before.causes.join() !== next.causes.join();
  }

  /**
   * Sends `next` instead of `old` on this connection (`RTCRtpSender.replaceTrack`: same kind,
   * no renegotiation). A sender still holding an ended track of that kind (a connection being set
   * up while the device changed) gets it too.
   */
  async replaceTrack(old: MediaStreamTrack | null, next: MediaStreamTrack): Promise<void> {
    const pc = this.pc;
    if (!pc || pc.signalingState === 'closed') return;
    for (const sender of pc.getSenders()) {
      const current = sender.track;
      if (current === null || current === next || current.kind !== next.kind) continue;
      if (current === old || current.readyState === 'ended') await sender.replaceTrack(next);
    }
  }

  /** As the newcomer (or starting over): a new connection and an offer to this participant. */
  async offer(): Promise<void> {
    const config = await this.ctx.rtcConfig();
    if (this.retired) return;
    const pc = this.createConnection(config);
    this.offerer = true;
    const local = this.ctx.localStream;
    for (const kind of ['audio', 'video'] as const) {
      const tracks = local?.getTracks().filter((t) => t.kind === kind) ?? [];
      if (tracks.length === 0) pc.addTransceiver(kind, { direction: 'recvonly' });
      for (const track of tracks) pc.addTrack(track, local!);
    }
    await this.sendOffer(pc);
  }

  /** ICE recovery gave up on the connection: a new one, and an offer on it. */
  startOver(): Promise<void> {
    return this.offer();
  }

  /** Creates an offer on `pc`, sets it locally and sends it, unless `pc` was replaced meanwhile. */
  async sendOffer(pc: RTCPeerConnection, options?: RTCOfferOptions): Promise<void> {
    this.makingOffer = true;
    try {
      this.ctx.countOffer();
      const offer = await pc.createOffer(options);
      if (this.pc !== pc) return;
      await pc.setLocalDescription(offer);
      if (this.pc !== pc) return;
      this.ctx.send({ type: 'offer', toUserId: this.userId, sdp: pc.localDescription!.sdp });
    } finally {
      this.makingOffer = false;
    }
  }

  /**
   * An offer from this participant: applied in place when it comes from the connection we already
   * talk to (an ICE restart), otherwise answered on a new connection (they joined or rejoined).
   */
  async onRemoteOffer(sdp: string): Promise<void> {
    const current = this.pc;
    const sameRemote =
      current !== null &&
      current.signalingState !== 'closed' &&
      current.remoteDescription !== null &&
      fingerprint(current.remoteDescription.sdp) !== null &&
      fingerprint(current.remoteDescription.sdp) === fingerprint(sdp);
    if (sameRemote && current.signalingState === 'stable') {
      await current.setRemoteDescription({ type: 'offer', sdp });
      const answer = await current.createAnswer();
      if (this.pc !== current) return;
      await current.setLocalDescription(answer);
      this.ctx.send({ type: 'answer', toUserId: this.userId, sdp: current.localDescription!.sdp });
      return;
    }
    const collision = current !== null && !sameRemote && (this.makingOffer || current.signalingState === 'have-local-offer');
    // Both sides offered a new connection at once: the side with the smaller id yields and answers.
    if (collision && this.ctx.selfUserId > this.userId) return;
    const config = await this.ctx.rtcConfig();
    if (this.retired) return;
    const pending = this.pendingCandidates;
    const pc = this.createConnection(config);
    this.pendingCandidates = pending; // candidates that came with this offer
    this.offerer = false;
    this.recovery.reset();
    await pc.setRemoteDescription({ type: 'offer', sdp });
    const local = this.ctx.localStream;
    if (local) for (const track of local.getTracks()) pc.addTrack(track, local);
    const answer = await pc.createAnswer();
    if (this.pc !== pc) return;
    await pc.setLocalDescription(answer);
    if (this.pc !== pc) return;
    this.ctx.send({ type: 'answer', toUserId: this.userId, sdp: pc.localDescription!.sdp });
    await this.flushCandidates(pc);
  }

  /** The answer to our offer. */
  async onRemoteAnswer(sdp: string): Promise<void> {
    const pc = this.pc;
    if (!pc || pc.signalingState !== 'have-local-offer') return;
    await pc.setRemoteDescription({ type: 'answer', sdp });
    await this.flushCandidates(pc);
  }

  /** A candidate of theirs: added now, or kept until the remote description is set. */
  async onRemoteCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    const pc = this.pc;
    if (!pc || !pc.remoteDescription) {
      this.pendingCandidates.push(candidate);
      return;
    }
    await pc.addIceCandidate(candidate).catch((err) => this.reportError(err));
  }

  /** Closes the connection for good: the participant left or was replaced, or the call closed. */
  retire(): void {
    this.retired = true;
    this.closeConnection();
  }

  /** A fresh connection, replacing any previous one. */
  private createConnection(config: RTCConfiguration): RTCPeerConnection {
    this.closeConnection();
    const pc = new RTCPeerConnection(config);
    this.pc = pc;
    pc.onicecandidate = (event) => {
      if (this.pc !== pc || !event.candidate) return;
      this.ctx.send({ type: 'ice-candidate', toUserId: this.userId, candidate: candidateInit(event.candidate) });
    };
    pc.ontrack = (event) => {
      if (this.pc !== pc) return;
      const stream = event.streams[0] ?? this.stream ?? new MediaStream();
      if (!stream.getTracks().includes(event.track)) stream.addTrack(event.track);
      this.stream = stream;
      this.ctx.onChange();
    };
    pc.onconnectionstatechange = () => {
      if (this.pc !== pc) return;
      this.recovery.onConnectionState(pc);
      this.ctx.onChange();
    };
    return pc;
  }

  private async flushCandidates(pc: RTCPeerConnection): Promise<void> {
    const pending = this.pendingCandidates;
    this.pendingCandidates = [];
    for (const candidate of pending) {
      if (this.pc !== pc) return;
      await pc.addIceCandidate(candidate).catch((err) => this.reportError(err));
    }
  }

  private closeConnection(): void {
    this.recovery.cancel();
    this.pc?.close();
    this.pc = null;
    this.stream = null;
    this.pendingCandidates = [];
    this.speaking = false;
    this.quality = null;
    this.lastSample = null;
  }
}
