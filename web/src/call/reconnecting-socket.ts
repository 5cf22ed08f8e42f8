import { ApiError } from '../api.ts';
import { browserClock, type Clock } from '../clock.ts';
import { errorMessage } from '../i18n/errors.ts';
import { msg, type Message } from '../i18n/message.ts';
import type { ClientMessage, ServerMessage } from '../types.ts';
import { backoffDelay } from './backoff.ts';
import { FATAL_CLOSE_CODES, RATE_LIMITED_CLOSE, RATE_LIMITED_TEXT, SignalingSocket, signalingUrl } from './signaling.ts';

/** A socket open at least this long was healthy: the next drop starts the backoff from scratch (ms). */
const STABLE_CONNECTION_MS = 10_000;
/** Reconnection stops after this long without a healthy connection (ms). */
const GIVE_UP_AFTER_MS = 120_000;
/** After a 4429 close, the one retry waits at least this long (ms). */
const RATE_LIMITED_RETRY_MS = 15_000;
const LOST_TEXT: Message = msg('signaling.lost');

/** What the signaling connection needs, and what it reports. */
export interface ReconnectingSocketOptions {
  sessionId: string;
  /** A fresh single-use ticket for one connection attempt (`POST /api/signaling/tickets`). @throws ApiError */
  ticket(): Promise<string>;
  /** A socket opened (the first one, and each reconnection). */
  onOpen(): void;
  onMessage(message: ServerMessage): void;
  /** A reconnection is scheduled: its number (1, 2…) and when it starts (ms since epoch, on `clock`). */
  onReconnecting(attempt: number, nextAt: number): void;
  /**
   * The connection is over for good, nothing follows: why, in words, or `null` for the close
   * announced with `expectClose` (we left).
   */
  onEnd(message: Message | null): void;
  /** For elapsed times and `nextAt`; the browser's clock by default. */
  clock?: Clock;
}

/**
 * The call's signaling connection, kept open: a `SignalingSocket` reopened after unexpected
 * drops, with exponential backoff and jitter, each time with a fresh single-use ticket. It gives
 * up on a close code that says retrying is pointless, on a refused ticket, after a second 4429,
 * or after two minutes without a healthy connection. The browser coming back online skips the
 * wait.
 */
export class ReconnectingSocket {
  private readonly clock: Clock;
  private socket: SignalingSocket | null = null;
  /** Increments on each connection attempt; a stale attempt's callbacks are ignored. */
  private connectSeq = 0;
  /** Attempts of the current reconnection run, for the backoff. */
  private attempt = 0;
  /** When the connection was lost (the start of the current reconnection run), ms. */
  private lostAt: number | null = null;
  private openedAt: number | null = null;
  private rateLimitedOnce = false;
  /** Set while a reconnection waits for its turn. */
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private leaving = false;
  private stopped = false;
  private opens = 0;

  constructor(private readonly opts: ReconnectingSocketOptions) {
    this.clock = opts.clock ?? browserClock;
  }

  /** How many times a socket opened (1 + reconnections). */
  get connections(): number {
    return this.opens;
  }

  /** Opens the first connection and starts listening for the browser coming back online. */
  start(): void {
    window.addEventListener('online', this.onOnline);
    void this.connect();
  }

  /** Sends a frame if a socket is open; returns whether it was sent (not while reconnecting). */
  send(message: ClientMessage): boolean {
    return this.socket?.send(message) ?? false;
  }

  /** We asked the server to let us go: its close ends the connection (`onEnd(null)`) instead of a reconnection. */
  expectClose(): void {
    this.leaving = true;
  }

  /** Closes the socket as a network failure would, to exercise reconnection (tests, debugging). */
  simulateDrop(): void {
    this.socket?.simulateDrop();
  }

  /** Closes for good, without `onEnd`; nothing is reported afterwards. Idempotent. */
  stop(): void {
    this.stopped = true;
    this.connectSeq += 1;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    window.removeEventListener('online', this.onOnline);
    this.socket?.close();
    this.socket = null;
  }

  /** Opens a signaling socket with a fresh ticket. */
  private async connect(): Promise<void> {
    const seq = ++this.connectSeq;
    this.reconnectTimer = undefined;
    let ticket: string;
    try {
      ticket = await this.opts.ticket();
    } catch (err) {
      if (seq === this.connectSeq && !this.stopped) this.ticketRefused(err);
      return;
    }
    if (seq !== this.connectSeq || this.stopped) return;
    this.socket = new SignalingSocket(
      signalingUrl(ticket, this.opts.sessionId),
      {
        onOpen: () => this.onOpen(),
        onMessage: (message) => this.opts.onMessage(message),
        onClose: (code) => this.onClose(code),
      },
      this.clock,
    );
  }

  /** A failed ticket request: the end when the answer says we may not connect, else a later retry. */
  private ticketRefused(err: unknown): void {
    if (err instanceof ApiError) {
      if (err.status === 404) return this.end(FATAL_CLOSE_CODES[4404]!);
      if (err.status === 401) return this.end(FATAL_CLOSE_CODES[4401]!);
      if (err.status === 403 || err.status === 409 || err.status === 410) return this.end(errorMessage(err.code));
    }
    // Offline, 429 or a server error: try again later.
    this.lostAt ??= this.clock.now();
    this.scheduleReconnect(err instanceof ApiError && err.retryAfterSeconds ? err.retryAfterSeconds * 1000 : 0);
  }

  private onOpen(): void {
    this.opens += 1;
    this.openedAt = this.clock.now();
    this.opts.onOpen();
  }

  private readonly onOnline = (): void => {
    // The browser is back online: do not wait for the backoff.
    if (this.stopped || this.reconnectTimer === undefined) return;
    clearTimeout(this.reconnectTimer);
    void this.connect();
  };

  private onClose(code: number): void {
    this.socket = null;
    if (this.stopped) return;
    if (this.leaving) return this.end(null);
    const fatal = FATAL_CLOSE_CODES[code];
    if (fatal) return this.end(fatal);
    const now = this.clock.now();
    if (this.openedAt !== null && now - this.openedAt >= STABLE_CONNECTION_MS) {
      // A healthy connection dropped: a new reconnection run.
      this.attempt = 0;
      this.lostAt = now;
    }
    this.openedAt = null;
    this.lostAt ??= now;
    if (code === RATE_LIMITED_CLOSE) {
      // Never a reconnection loop against a server that refuses us: one slow retry.
      if (this.rateLimitedOnce) return this.end(RATE_LIMITED_TEXT);
      this.rateLimitedOnce = true;
      return this.scheduleReconnect(RATE_LIMITED_RETRY_MS);
    }
    this.scheduleReconnect();
  }

  /** The next attempt after an exponential, jittered delay (at least `minDelayMs`). */
  private scheduleReconnect(minDelayMs = 0): void {
    if (this.stopped) return;
    const now = this.clock.now();
    if (this.lostAt !== null && now - this.lostAt > GIVE_UP_AFTER_MS) return this.end(LOST_TEXT);
    const delay = Math.max(minDelayMs, backoffDelay(this.attempt));
    this.attempt += 1;
    this.opts.onReconnecting(this.attempt, now + delay);
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => void this.connect(), delay);
  }

  private end(message: Message | null): void {
    this.stop();
    this.opts.onEnd(message);
  }
}
