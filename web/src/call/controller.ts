import { api } from '../api.ts';
import { leftReasonText } from '../format.ts';
import type { ServerMessage, Session, User } from '../types.ts';
import { PeerMesh, type PeerStats, type PeerView } from './mesh.ts';
import { FATAL_CLOSE_CODES, SignalingSocket, signalingUrl } from './signaling.ts';

export type CallStatus = 'connecting' | 'connected' | 'reconnecting' | 'ended';

/** Everything the call screen renders; replaced (never mutated) on each change. */
export interface CallState {
  status: CallStatus;
  sessionStatus: Session['status'];
  startedAt: string | null;
  /** When the session ends: `endsAt` from the server, else the scheduled end. */
  endsAt: string | null;
  micEnabled: boolean;
  cameraEnabled: boolean;
  peers: PeerView[];
  /** Recent events in words ("Ana joined"), newest last. */
  notices: string[];
  /** Set when `status` is `ended`: an end reason code (DESIGN 2) or `null` when we left or lost the connection. */
  endReason: string | null;
  /** Set when the call ended for a reason other than the session's end (lost connection, replaced...). */
  endMessage: string | null;
}

/** The test and debugging hook installed on `window.__call` while a call is open. */
export interface CallDebugHook {
  peers(): Array<Pick<PeerView, 'userId' | 'displayName' | 'connectionState' | 'micEnabled' | 'cameraEnabled'>>;
  stats(): Promise<PeerStats[]>;
  status(): CallStatus;
  /** How many times the signaling socket opened (1 + reconnections). */
  connections(): number;
  /** Closes the signaling socket as a network failure would, to exercise reconnection. */
  simulateSignalingDrop(): void;
}

declare global {
  interface Window {
    __call?: CallDebugHook;
  }
}

/** Waits before each reconnection attempt; together they stay inside the 30 s reconnect window. */
const RECONNECT_DELAYS_MS = [500, 1000, 2000, 4000, 8000, 8000];
const MAX_NOTICES = 5;

export interface CallOptions {
  token: string;
  self: User;
  session: Session;
  localStream: MediaStream | null;
  rtcConfig: RTCConfiguration;
  micEnabled: boolean;
  cameraEnabled: boolean;
}

/**
 * One call: the signaling socket (reconnected after unexpected drops), the peer mesh and the
 * local media. Framework-free; the React screen subscribes to `getState()`.
 */
export class CallController {
  private state: CallState;
  private readonly listeners = new Set<() => void>();
  private readonly mesh: PeerMesh;
  private socket: SignalingSocket | null = null;
  private reconnectAttempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly names = new Map<string, string>();
  private hook: CallDebugHook | null = null;
  private leaving = false;
  private openCount = 0;

  constructor(private readonly opts: CallOptions) {
    this.state = {
      status: 'connecting',
      sessionStatus: opts.session.status,
      startedAt: opts.session.startedAt,
      endsAt: opts.session.endsAt ?? opts.session.scheduledEndAt,
      micEnabled: opts.micEnabled,
      cameraEnabled: opts.cameraEnabled,
      peers: [],
      notices: [],
      endReason: null,
      endMessage: null,
    };
    this.applyTrackState();
    for (const p of opts.session.participants) this.names.set(p.userId, p.displayName);
    this.mesh = new PeerMesh({
      selfUserId: opts.self.id,
      localStream: opts.localStream,
      rtcConfig: opts.rtcConfig,
      send: (message) => this.socket?.send(message),
      onChange: () => this.update({ peers: this.mesh.peerViews() }),
    });
  }

  /** Opens the signaling connection and installs `window.__call`. */
  start(): void {
    this.hook = {
      peers: () =>
        this.mesh.peerViews().map(({ userId, displayName, connectionState, micEnabled, cameraEnabled }) => ({
          userId,
          displayName,
          connectionState,
          micEnabled,
          cameraEnabled,
        })),
      stats: () => this.mesh.stats(),
      status: () => this.state.status,
      connections: () => this.openCount,
      simulateSignalingDrop: () => this.socket?.simulateDrop(),
    };
    window.__call = this.hook;
    this.connect();
  }

  getState = (): CallState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  get localStream(): MediaStream | null {
    return this.opts.localStream;
  }

  toggleMic(): void {
    this.update({ micEnabled: !this.state.micEnabled });
    this.applyTrackState();
    this.sendMediaState();
  }

  toggleCamera(): void {
    this.update({ cameraEnabled: !this.state.cameraEnabled });
    this.applyTrackState();
    this.sendMediaState();
  }

  /**
   * Leaves deliberately: tells the server first (it announces the leave to the others at once and
   * closes our socket), then tears everything down. A failed request still leaves locally; the
   * server then sees a drop.
   */
  async leave(): Promise<void> {
    if (this.state.status === 'ended' || this.leaving) return;
    this.leaving = true;
    await api.leaveSession(this.opts.session.id).catch(() => undefined);
    this.finish(null, null);
  }

  /** Releases the socket, peer connections, camera and microphone without telling the server. */
  teardown(): void {
    clearTimeout(this.reconnectTimer);
    this.socket?.close();
    this.socket = null;
    this.mesh.close();
    for (const track of this.opts.localStream?.getTracks() ?? []) track.stop();
    if (window.__call === this.hook) delete window.__call;
  }

  private connect(): void {
    const url = signalingUrl(this.opts.token, this.opts.session.id);
    const socket = new SignalingSocket(url, {
      onOpen: () => {
        this.openCount += 1;
        this.reconnectAttempt = 0;
        this.update({ status: 'connected' });
        this.sendMediaState();
      },
      onMessage: (message) => this.onMessage(message),
      onClose: (code) => this.onClose(code),
    });
    this.socket = socket;
  }

  private onMessage(message: ServerMessage): void {
    switch (message.type) {
      case 'participant-list':
        for (const p of message.participants) this.names.set(p.userId, p.displayName);
        this.update({
          sessionStatus: message.session.status,
          startedAt: message.session.startedAt,
          endsAt: message.session.endsAt ?? this.state.endsAt,
        });
        break;
      case 'participant-joined':
        this.names.set(message.participant.userId, message.participant.displayName);
        this.notice(`${message.participant.displayName} ${message.reconnected ? 'reconnected' : 'joined'}`);
        break;
      case 'participant-left':
        this.notice(`${this.names.get(message.userId) ?? 'Someone'} ${leftReasonText(message.reason)}`);
        break;
      case 'session-started':
        this.update({ sessionStatus: 'active', startedAt: message.startedAt });
        this.notice('The session has started');
        break;
      case 'session-ended':
        this.finish(message.reason, null);
        return;
      case 'error':
        this.notice(`Server: ${message.message} (${message.code})`);
        break;
      default:
        break;
    }
    this.mesh.handle(message);
  }

  private onClose(code: number): void {
    this.socket = null;
    if (this.state.status === 'ended') return;
    if (this.leaving) return this.finish(null, null);
    const fatal = FATAL_CLOSE_CODES[code];
    if (code === 4410) return this.finish('completed', null);
    if (fatal) return this.finish(null, fatal);
    const delay = RECONNECT_DELAYS_MS[this.reconnectAttempt];
    if (delay === undefined) return this.finish(null, 'The connection to the server was lost.');
    this.reconnectAttempt += 1;
    this.update({ status: 'reconnecting' });
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  private finish(endReason: string | null, endMessage: string | null): void {
    if (this.state.status !== 'ended') this.update({ status: 'ended', endReason, endMessage });
    this.teardown();
  }

  private applyTrackState(): void {
    for (const track of this.opts.localStream?.getAudioTracks() ?? []) track.enabled = this.state.micEnabled;
    for (const track of this.opts.localStream?.getVideoTracks() ?? []) track.enabled = this.state.cameraEnabled;
  }

  private sendMediaState(): void {
    this.socket?.send({ type: 'media-state', micEnabled: this.state.micEnabled, cameraEnabled: this.state.cameraEnabled });
  }

  private notice(text: string): void {
    this.update({ notices: [...this.state.notices, text].slice(-MAX_NOTICES) });
  }

  private update(patch: Partial<CallState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }
}
