import { ApiError, api } from '../api.ts';
import { errorText, leftReasonText } from '../format.ts';
import type { ServerMessage, Session, User } from '../types.ts';
import { backoffDelay } from './backoff.ts';
import { PeerMesh, type PeerStats, type PeerView } from './mesh.ts';
import { FATAL_CLOSE_CODES, RATE_LIMITED_CLOSE, RATE_LIMITED_TEXT, SignalingSocket, signalingUrl } from './signaling.ts';
import { ChangeThrottle, VoiceActivityDetector } from './voice-activity.ts';

export type CallStatus = 'connecting' | 'connected' | 'reconnecting' | 'ended';

export interface Toast {
  id: number;
  text: string;
}

/** Everything the call screen renders; replaced (never mutated) on each change. */
export interface CallState {
  status: CallStatus;
  sessionStatus: Session['status'];
  startedAt: string | null;
  /** When the session ends: `endsAt` from the server, else the scheduled end. */
  endsAt: string | null;
  hostUserId: string | null;
  micEnabled: boolean;
  cameraEnabled: boolean;
  /** Our own voice activity (what we report to the others). */
  selfSpeaking: boolean;
  peers: PeerView[];
  /** Recent events in words ("Ana joined"), newest last. */
  notices: string[];
  /** Short-lived announcements ("Ana is now the host"), removed after a few seconds. */
  toasts: Toast[];
  /** While `reconnecting`: the attempt number and when the next one starts (ms since epoch). */
  reconnect: { attempt: number; nextAt: number } | null;
  /** Set when `status` is `ended`: an end reason code (DESIGN 2) or `null` when we left or lost the connection. */
  endReason: string | null;
  /** Set when the call ended for a reason other than the session's end (lost connection, replaced...). */
  endMessage: string | null;
}

/** The test and debugging hook installed on `window.__call` while a call is open. */
export interface CallDebugHook {
  sessionId: string;
  peers(): Array<Pick<PeerView, 'userId' | 'displayName' | 'connectionState' | 'micEnabled' | 'cameraEnabled' | 'speaking'>>;
  stats(): Promise<PeerStats[]>;
  status(): CallStatus;
  hostUserId(): string | null;
  /** How many times the signaling socket opened (1 + reconnections). */
  connections(): number;
  /** Signaling frames received so far (relay frames and heartbeat acks left out), oldest first. */
  received(): ServerMessage[];
  /** Our own voice activity detection: audio context state, last level, speaking. */
  voice(): { state: string; level: number; speaking: boolean };
  /** Closes the signaling socket as a network failure would, to exercise reconnection. */
  simulateSignalingDrop(): void;
}

declare global {
  interface Window {
    __call?: CallDebugHook;
  }
}

const MAX_NOTICES = 5;
const TOAST_MS = 6000;
/** A socket open at least this long was healthy: the next drop starts the backoff from scratch. */
const STABLE_CONNECTION_MS = 10_000;
/** Reconnection stops after this long without a healthy connection. */
const GIVE_UP_AFTER_MS = 120_000;
/** After a 4429 close, the one retry waits at least this long. */
const RATE_LIMITED_RETRY_MS = 15_000;
/** Speaking changes are sent at most this often. */
const SPEAKING_MIN_INTERVAL_MS = 400;
/** Frames kept for `window.__call.received()`. */
const MAX_RECEIVED = 300;
const RELAY_TYPES = new Set(['offer', 'answer', 'ice-candidate', 'heartbeat-ack']);

export interface CallOptions {
  /** The long-lived JWT: for REST calls, and for signaling where tickets are not available. */
  token: string;
  self: User;
  session: Session;
  localStream: MediaStream | null;
  /** The ICE configuration for each new peer connection (`loadRtcConfiguration`). */
  rtcConfig(): Promise<RTCConfiguration>;
  micEnabled: boolean;
  cameraEnabled: boolean;
}

/**
 * One call: the signaling socket (reconnected after unexpected drops, with exponential backoff
 * and jitter, each time with a fresh single-use ticket), the peer mesh, the local media and the
 * voice activity report. Framework-free; the React screen subscribes to `getState()`.
 */
export class CallController {
  private state: CallState;
  private readonly listeners = new Set<() => void>();
  private readonly mesh: PeerMesh;
  private socket: SignalingSocket | null = null;
  /** Increments on each connection attempt; a stale attempt's callbacks are ignored. */
  private connectSeq = 0;
  private attempt = 0;
  /** When the connection was lost (the start of the current reconnection run). */
  private lostAt: number | null = null;
  private openedAt: number | null = null;
  private rateLimitedOnce = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  /** False once `/api/signaling/tickets` answered that it does not exist: the JWT goes in the URL. */
  private useTickets = true;
  private readonly names = new Map<string, string>();
  private hook: CallDebugHook | null = null;
  private leaving = false;
  private openCount = 0;
  private readonly received: ServerMessage[] = [];
  private nextToastId = 1;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private voice: VoiceActivityDetector | null = null;
  private readonly speakingThrottle: ChangeThrottle;

  constructor(private readonly opts: CallOptions) {
    this.state = {
      status: 'connecting',
      sessionStatus: opts.session.status,
      startedAt: opts.session.startedAt,
      endsAt: opts.session.endsAt ?? opts.session.scheduledEndAt,
      hostUserId: opts.session.hostUserId,
      micEnabled: opts.micEnabled,
      cameraEnabled: opts.cameraEnabled,
      selfSpeaking: false,
      peers: [],
      notices: [],
      toasts: [],
      reconnect: null,
      endReason: null,
      endMessage: null,
    };
    this.applyTrackState();
    for (const p of opts.session.participants) this.names.set(p.userId, p.displayName);
    this.names.set(opts.self.id, opts.self.name);
    this.mesh = new PeerMesh({
      selfUserId: opts.self.id,
      localStream: opts.localStream,
      rtcConfig: opts.rtcConfig,
      send: (message) => this.socket?.send(message) ?? false,
      onChange: () => this.update({ peers: this.mesh.peerViews() }),
    });
    this.speakingThrottle = new ChangeThrottle(SPEAKING_MIN_INTERVAL_MS, (speaking) => {
      this.socket?.send({ type: 'speaking', speaking });
    });
  }

  get sessionId(): string {
    return this.opts.session.id;
  }

  get session(): Session {
    return this.opts.session;
  }

  /** Opens the signaling connection, starts voice activity detection and installs `window.__call`. */
  start(): void {
    this.hook = {
      sessionId: this.opts.session.id,
      peers: () =>
        this.mesh.peerViews().map(({ userId, displayName, connectionState, micEnabled, cameraEnabled, speaking }) => ({
          userId,
          displayName,
          connectionState,
          micEnabled,
          cameraEnabled,
          speaking,
        })),
      stats: () => this.mesh.stats(),
      status: () => this.state.status,
      hostUserId: () => this.state.hostUserId,
      connections: () => this.openCount,
      received: () => [...this.received],
      voice: () => ({ state: this.voice?.state ?? 'off', level: this.voice?.level ?? 0, speaking: this.voice?.speaking ?? false }),
      simulateSignalingDrop: () => this.socket?.simulateDrop(),
    };
    window.__call = this.hook;
    window.addEventListener('online', this.onOnline);
    const track = this.opts.localStream?.getAudioTracks()[0];
    if (track) {
      this.voice = new VoiceActivityDetector(track, (speaking) => {
        this.update({ selfSpeaking: speaking });
        this.speakingThrottle.push(speaking);
      });
      this.voice.start();
    }
    void this.connect();
  }

  getState = (): CallState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  get localStream(): MediaStream | null {
    return this.opts.localStream;
  }

  get isHost(): boolean {
    return this.state.hostUserId === this.opts.self.id;
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

  /** Host of a waiting private session: starts it for everyone. @throws ApiError */
  async startSession(): Promise<void> {
    const session = await api.startSession(this.opts.session.id);
    if (this.state.status === 'ended') return;
    this.update({ sessionStatus: session.status, startedAt: session.startedAt, endsAt: session.endsAt ?? this.state.endsAt });
  }

  /** Host: ends the session for everyone (they all get `session-ended`). @throws ApiError */
  async endSession(): Promise<void> {
    const session = await api.endSession(this.opts.session.id);
    this.finish(session.endReason ?? 'host_ended', null);
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
    this.connectSeq += 1;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    window.removeEventListener('online', this.onOnline);
    this.speakingThrottle.stop();
    this.voice?.stop();
    this.voice = null;
    this.socket?.close();
    this.socket = null;
    this.mesh.close();
    for (const track of this.opts.localStream?.getTracks() ?? []) track.stop();
    if (window.__call === this.hook) delete window.__call;
  }

  /** Opens a signaling socket with a fresh ticket (or the JWT where tickets do not exist yet). */
  private async connect(): Promise<void> {
    const seq = ++this.connectSeq;
    this.reconnectTimer = undefined;
    let token = this.opts.token;
    if (this.useTickets) {
      try {
        token = (await api.signalingTicket(this.opts.session.id)).ticket;
      } catch (err) {
        if (seq !== this.connectSeq || this.state.status === 'ended') return;
        if (!this.ticketFailure(err)) return;
      }
    }
    if (seq !== this.connectSeq || this.state.status === 'ended') return;
    this.socket = new SignalingSocket(signalingUrl(token, this.opts.session.id), {
      onOpen: () => this.onOpen(),
      onMessage: (message) => this.onMessage(message),
      onClose: (code) => this.onClose(code),
    });
  }

  /**
   * Decides what a failed ticket request means.
   * @returns true to go on with the JWT in the URL (only when the server has no ticket endpoint).
   */
  private ticketFailure(err: unknown): boolean {
    if (err instanceof ApiError) {
      if (err.routeMissing) {
        // A server without tickets (older version): the JWT in the URL keeps working there.
        this.useTickets = false;
        return true;
      }
      if (err.status === 404) {
        this.finish(null, FATAL_CLOSE_CODES[4404]!);
        return false;
      }
      if (err.status === 401) {
        this.finish(null, FATAL_CLOSE_CODES[4401]!);
        return false;
      }
      if (err.status === 403 || err.status === 409 || err.status === 410) {
        this.finish(null, errorText(err.code, err.message));
        return false;
      }
    }
    // Offline, 429 or a server error: try again later.
    this.lostAt ??= Date.now();
    this.scheduleReconnect(err instanceof ApiError && err.retryAfterSeconds ? err.retryAfterSeconds * 1000 : 0);
    return false;
  }

  private onOpen(): void {
    this.openCount += 1;
    this.openedAt = Date.now();
    this.update({ status: 'connected', reconnect: null });
    this.sendMediaState();
    // The server forgets our voice activity with the connection: say it again.
    this.speakingThrottle.reset();
    if (this.voice?.speaking) this.speakingThrottle.push(true);
  }

  private readonly onOnline = (): void => {
    // The browser is back online: do not wait for the backoff.
    if (this.state.status !== 'reconnecting' || this.reconnectTimer === undefined) return;
    clearTimeout(this.reconnectTimer);
    void this.connect();
  };

  private onMessage(message: ServerMessage): void {
    if (!RELAY_TYPES.has(message.type)) {
      this.received.push(message);
      if (this.received.length > MAX_RECEIVED) this.received.shift();
    }
    switch (message.type) {
      case 'participant-list': {
        for (const p of message.participants) this.names.set(p.userId, p.displayName);
        const host = message.participants.find((p) => p.role === 'host');
        this.update({
          sessionStatus: message.session.status,
          startedAt: message.session.startedAt,
          endsAt: message.session.endsAt ?? this.state.endsAt,
          ...(host ? { hostUserId: host.userId } : {}),
        });
        break;
      }
      case 'participant-joined':
        this.names.set(message.participant.userId, message.participant.displayName);
        this.notice(`${message.participant.displayName} ${message.reconnected ? 'reconnected' : 'joined'}`);
        break;
      case 'participant-left':
        this.notice(`${this.nameOf(message.userId)} ${leftReasonText(message.reason)}`);
        break;
      case 'host-changed':
        if (message.hostUserId !== this.state.hostUserId) {
          this.update({ hostUserId: message.hostUserId });
          const text = message.hostUserId === this.opts.self.id ? 'You are now the host' : `${this.nameOf(message.hostUserId)} is now the host`;
          this.toast(text);
          this.notice(text);
        }
        break;
      case 'session-started':
        this.update({ sessionStatus: 'active', startedAt: message.startedAt });
        this.notice('The session has started');
        break;
      case 'session-ended':
        this.finish(message.reason, null);
        return;
      case 'error':
        // A frame this server version does not know (e.g. `speaking` before it is supported) is
        // not the user's business.
        if (message.code === 'INVALID_MESSAGE') console.warn(`[call] server: ${message.message}`);
        else this.notice(`Server: ${message.message} (${message.code})`);
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
    if (fatal) return this.finish(null, fatal);
    const now = Date.now();
    if (this.openedAt !== null && now - this.openedAt >= STABLE_CONNECTION_MS) {
      // A healthy connection dropped: a new reconnection run.
      this.attempt = 0;
      this.lostAt = now;
    }
    this.openedAt = null;
    this.lostAt ??= now;
    if (code === RATE_LIMITED_CLOSE) {
      // Never a reconnection loop against a server that refuses us: one slow retry.
      if (this.rateLimitedOnce) return this.finish(null, RATE_LIMITED_TEXT);
      this.rateLimitedOnce = true;
      return this.scheduleReconnect(RATE_LIMITED_RETRY_MS);
    }
    this.scheduleReconnect();
  }

  /** The next attempt after an exponential, jittered delay (at least `minDelayMs`). */
  private scheduleReconnect(minDelayMs = 0): void {
    if (this.state.status === 'ended') return;
    if (this.lostAt !== null && Date.now() - this.lostAt > GIVE_UP_AFTER_MS) {
      return this.finish(null, 'The connection to the server was lost.');
    }
    const delay = Math.max(minDelayMs, backoffDelay(this.attempt));
    this.attempt += 1;
    this.update({ status: 'reconnecting', reconnect: { attempt: this.attempt, nextAt: Date.now() + delay } });
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => void this.connect(), delay);
  }

  private finish(endReason: string | null, endMessage: string | null): void {
    if (this.state.status !== 'ended') this.update({ status: 'ended', endReason, endMessage, reconnect: null });
    this.teardown();
  }

  private nameOf(userId: string): string {
    return this.names.get(userId) ?? 'Someone';
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

  private toast(text: string): void {
    const id = this.nextToastId++;
    this.update({ toasts: [...this.state.toasts, { id, text }] });
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.update({ toasts: this.state.toasts.filter((t) => t.id !== id) });
    }, TOAST_MS);
    this.timers.add(timer);
  }

  private update(patch: Partial<CallState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }
}
