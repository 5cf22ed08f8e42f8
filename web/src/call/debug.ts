/**
 * The test and debugging hook of a call, `window.__call`: the browser tests (`test/browser/`)
 * read the call's state through it, and a developer can from the console.
 */
import type { ServerMessage } from '../types.ts';
import type { RecordingView } from './call-recording.ts';
import type { ParticipantStats } from './call-stats.ts';
import type { CallStatus } from './call-state.ts';
import type { CallMesh } from './mesh.ts';
import type { ParticipantView } from './peer-connection.ts';
import type { ReconnectingSocket } from './reconnecting-socket.ts';
import type { VoiceActivityDetector } from './voice-activity.ts';

/** What `window.__call` offers while a call is open. */
export interface CallDebugHook {
  sessionId: string;
  /** The remote participants (named `peers` for the tests written against it). */
  peers(): Array<Pick<ParticipantView, 'userId' | 'displayName' | 'connectionState' | 'micEnabled' | 'cameraEnabled' | 'speaking'>>;
  stats(): Promise<ParticipantStats[]>;
  status(): CallStatus;
  hostUserId(): string | null;
  /** How many times the signaling socket opened (1 + reconnections). */
  connections(): number;
  /** Signaling frames received so far (relay frames and heartbeat acks left out), oldest first. */
  received(): ServerMessage[];
  /** Our own voice activity detection: audio context state, last level (RMS, 0..1), speaking. */
  voice(): { state: string; level: number; speaking: boolean };
  /** Closes the signaling socket as a network failure would, to exercise reconnection. */
  simulateSignalingDrop(): void;
  /** Who is recorded, and our own recording's state (status, id, chunks, upload). */
  recording(): RecordingView;
  /** Each remote participant's connection quality as their tile shows it. */
  quality(): Array<{ userId: string; quality: string; rttMs: number | null; loss: number | null; relayed: boolean; causes: string[] }>;
  /** Offers created so far (a device switch adds none). */
  offers(): number;
  /** Track ids our connections send, per participant, and those of our own stream. */
  senderTrackIds(): Record<string, string[]>;
  localTrackIds(): string[];
}

declare global {
  interface Window {
    __call?: CallDebugHook;
  }
}

/** Frames kept for `received()`. */
const MAX_RECEIVED = 300;
/** Many, and about connections rather than the call's story: left out of `received()`. */
const UNRECORDED = new Set<ServerMessage['type']>(['offer', 'answer', 'ice-candidate', 'heartbeat-ack']);

/** The parts of a call the hook reads. */
export interface CallDebugSource {
  sessionId: string;
  mesh: CallMesh;
  signaling: ReconnectingSocket;
  status(): CallStatus;
  hostUserId(): string | null;
  /** The voice activity detector, once started. */
  voice(): VoiceActivityDetector | null;
  recording(): RecordingView;
  localTrackIds(): string[];
}

/** `window.__call` for one call: `install` when it starts, `record` each frame received, `remove` at teardown. */
export class CallDebug {
  private readonly received: ServerMessage[] = [];
  private readonly hook: CallDebugHook;

  constructor(source: CallDebugSource) {
    this.hook = {
      sessionId: source.sessionId,
      peers: () =>
        source.mesh.participants().map(({ userId, displayName, connectionState, micEnabled, cameraEnabled, speaking }) => ({
          userId,
          displayName,
          connectionState,
          micEnabled,
          cameraEnabled,
          speaking,
        })),
      stats: () => source.mesh.stats(),
      status: source.status,
      hostUserId: source.hostUserId,
      connections: () => source.signaling.connections,
      received: () => [...this.received],
      voice: () => {
        const voice = source.voice();
        return { state: voice?.state ?? 'off', level: voice?.level ?? 0, speaking: voice?.speaking ?? false };
      },
      simulateSignalingDrop: () => source.signaling.simulateDrop(),
      recording: () => source.recording(),
      quality: () =>
        source.mesh.participants().map((p) => ({
          userId: p.userId,
          quality: p.quality?.quality ?? 'unknown',
          rttMs: p.quality?.rttMs ?? null,
          loss: p.quality?.loss ?? null,
          relayed: p.quality?.relayed ?? false,
          causes: p.quality?.causes ?? [],
        })),
      offers: () => source.mesh.offers,
      senderTrackIds: () => source.mesh.senderTrackIds(),
      localTrackIds: () => source.localTrackIds(),
    };
  }

  /** Sets `window.__call` to this call's hook. */
  install(): void {
    window.__call = this.hook;
  }

  /** Keeps `message` for `received()` (the last 300, relays left out). */
  record(message: ServerMessage): void {
    if (UNRECORDED.has(message.type)) return;
    this.received.push(message);
    if (this.received.length > MAX_RECEIVED) this.received.shift();
  }

  /** Uninstalls the hook, unless another call's replaced it. */
  remove(): void {
    if (window.__call === this.hook) delete window.__call;
  }
}
