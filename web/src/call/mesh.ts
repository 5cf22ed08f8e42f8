/**
 * The full-mesh WebRTC logic of one call, independent of React (DESIGN 4.3): the newcomer offers
 * to everyone in `participant-list`; existing participants answer. One `RTCPeerConnection` per
 * remote participant (`RemoteParticipant`); messages for one participant are handled in order.
 *
 * Recovery (`IceRecovery`): when a connection goes `failed`, or stays `disconnected` for a few
 * seconds, its offerer restarts ICE and sends a new offer; the answerer applies an offer from the
 * same remote connection (same DTLS fingerprint) in place, and replaces its connection when the
 * offer comes from a new one (the participant rejoined).
 */
import type { ClientMessage, ServerMessage, SignalingParticipant } from '../types.ts';
import { connectionStats, type ParticipantStats } from './call-stats.ts';
import { RemoteParticipant, type ConnectionContext, type ParticipantView } from './peer-connection.ts';

/** What the mesh needs from the call. */
export interface MeshOptions {
  selfUserId: string;
  /** Our camera and microphone; `null` joins receive-only. */
  localStream: MediaStream | null;
  /** The ICE configuration for a new connection or an ICE restart (`/api/ice-servers`). */
  rtcConfig(): Promise<RTCConfiguration>;
  /** Sends a signaling frame; returns whether it went out (the socket may be reconnecting). */
  send(message: ClientMessage): boolean;
  /** Called after any change visible in `participants()`. */
  onChange(): void;
  /** Called with failures that do not stop the call (logged by default). */
  onError?(userId: string, error: unknown): void;
}

/** The remote participants of one call and our connections to them. */
export class CallMesh {
  private readonly remotes = new Map<string, RemoteParticipant>();
  private readonly ctx: ConnectionContext;
  private closed = false;
  private offersMade = 0;

  constructor(opts: MeshOptions) {
    this.ctx = {
      selfUserId: opts.selfUserId,
      localStream: opts.localStream,
      rtcConfig: opts.rtcConfig,
      send: opts.send,
      onChange: opts.onChange,
      reportError: opts.onError ?? ((userId, err) => console.warn(`[call] participant ${userId}:`, err)),
      countOffer: () => void this.offersMade++,
    };
  }

  /** The remote participants, in the order they appeared. */
  participants(): ParticipantView[] {
    return [...this.remotes.values()].map((p) => p.view());
  }

  /** Handles the signaling frames that concern participants and their connections; ignores the others. */
  handle(message: ServerMessage): void {
    if (this.closed) return;
    switch (message.type) {
      case 'participant-list':
        // A (re)connection of ours: the others drop their old connections to us, so do we.
        for (const remote of this.remotes.values()) remote.retire();
        this.remotes.clear();
        for (const participant of message.participants) {
          if (participant.userId === this.ctx.selfUserId) continue;
          const remote = this.add(participant);
          remote.enqueue(() => remote.offer());
        }
        break;
      case 'participant-joined': {
        const { participant } = message;
        if (participant.userId === this.ctx.selfUserId) break;
        // Joined again (reconnected): its old connection is gone on its side; it offers anew.
        this.remove(participant.userId);
        this.add(participant);
        break;
      }
      case 'participant-left':
        this.remove(message.userId);
        break;
      case 'offer': {
        // From someone not announced (yet): answered all the same, named by id until announced.
        const remote = this.remotes.get(message.fromUserId) ?? this.add(placeholder(message.fromUserId));
        remote.enqueue(() => remote.onRemoteOffer(message.sdp));
        return;
      }
      case 'answer': {
        const remote = this.remotes.get(message.fromUserId);
        if (remote) remote.enqueue(() => remote.onRemoteAnswer(message.sdp));
        return;
      }
      case 'ice-candidate': {
        const remote = this.remotes.get(message.fromUserId);
        const candidate = message.candidate;
        if (remote && candidate) remote.enqueue(() => remote.onRemoteCandidate(candidate));
        return;
      }
      case 'media-state': {
        const remote = this.remotes.get(message.userId);
        if (!remote) return;
        remote.micEnabled = message.micEnabled;
        remote.cameraEnabled = message.cameraEnabled;
        break;
      }
      case 'speaking': {
        const remote = this.remotes.get(message.userId);
        if (!remote || remote.speaking === message.speaking) return;
        remote.speaking = message.speaking;
        break;
      }
      default:
        return;
    }
    this.ctx.onChange();
  }

  /** Inbound byte counters and the selected candidate pair of every connection. */
  async stats(): Promise<ParticipantStats[]> {
    return Promise.all([...this.remotes.values()].map((p) => connectionStats(p.userId, p.pc, p.recovery.totalRestarts)));
  }

  /** Offers created so far, over every connection (ICE restarts included). */
  get offers(): number {
    return this.offersMade;
  }

  /** Re-assesses every connection's quality from its own stats; one change re-renders the grid. */
  async sampleQuality(): Promise<void> {
    if (this.closed) return;
    const changed = await Promise.all([...this.remotes.values()].map((r) => r.sampleQuality().catch(() => false)));
    if (changed.some(Boolean) && !this.closed) this.ctx.onChange();
  }

  /** Replaces our `old` track by `next` on every connection (a device switch), without renegotiating. */
  async replaceTrack(old: MediaStreamTrack | null, next: MediaStreamTrack): Promise<void> {
    await Promise.all([...this.remotes.values()].map((r) => r.replaceTrack(old, next)));
  }

  /** The ids of the tracks our connections send, per participant (tests check a device switch reached each). */
  senderTrackIds(): Record<string, string[]> {
    return Object.fromEntries([...this.remotes.values()].map((r) => [r.userId, r.pc?.getSenders().flatMap((s) => (s.track ? [s.track.id] : [])) ?? []]));
  }

  /** Closes every connection. The local stream is left to its owner. */
  close(): void {
    this.closed = true;
    for (const remote of this.remotes.values()) remote.retire();
    this.remotes.clear();
    this.ctx.onChange();
  }

  private add(participant: SignalingParticipant): RemoteParticipant {
    const remote = new RemoteParticipant(participant, this.ctx);
    this.remotes.set(participant.userId, remote);
    return remote;
  }

  private remove(userId: string): void {
    this.remotes.get(userId)?.retire();
    this.remotes.delete(userId);
  }
}

/** Someone who offered before we heard of them: named by id, media on, until announced. */
function placeholder(userId: string): SignalingParticipant {
  return { userId, displayName: userId, role: 'participant', micEnabled: true, cameraEnabled: true };
}
