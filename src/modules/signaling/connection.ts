import { fullBudget, type BudgetLimits, type MessageBudget } from './message-budget.ts';
import type { SignalingAdmission } from './signaling.ports.ts';
import type { SignalingParticipant } from './signaling.schemas.ts';

/** The part of a `ws` socket the service uses (so tests and other transports can stand in). */
export interface SignalingSocket {
  /** `ws` ready states: 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  /** Destroys the socket without a closing handshake (dead clients). */
  terminate(): void;
  ping(): void;
}

/**
 * The byte stream under a signaling socket (a `net.Socket`): corked while frames for it are
 * collected, so that every frame sent to it in one event-loop turn leaves in one `writev`.
 */
export interface SignalingTransport {
  cork(): void;
  uncork(): void;
  readonly destroyed: boolean;
}

/** `ws` ready state of an open socket. */
export const OPEN = 1;

/** One accepted signaling connection on this instance. Mutable fields belong to the signaling service. */
export interface Connection {
  /** Instance-unique number. */
  readonly id: number;
  /** `{instanceId}:{id}`: the value stored in presence (`session:ws:{sessionId}`). */
  readonly owner: string;
  readonly sessionId: string;
  readonly userId: string;
  readonly displayName: string;
  role: 'host' | 'participant';
  readonly socket: SignalingSocket;
  /** The socket's byte stream, to coalesce writes; `null` when unknown (frames then leave one by one). */
  readonly transport: SignalingTransport | null;
  /** True while `transport` is corked until the end of this event-loop turn (`FrameWriter`). */
  corked: boolean;
  micEnabled: boolean;
  cameraEnabled: boolean;
  /** Their own audio is being recorded (from admission, then `recording` session changes). */
  recording: boolean;
  /** Last sign of life (any frame or pong), epoch ms of the injected clock. */
  lastSeenMs: number;
  /** When its shared heartbeat key was last refreshed (epoch ms of the injected clock). */
  refreshedAtMs: number;
  /** Set while presence is being claimed; frames and a close wait for it. */
  joining: Promise<void> | null;
  /** True once presence was claimed (the connection counts for the others). */
  joined: boolean;
  /** True once the connection no longer counts: closed, replaced, timed out, left, or its session ended. */
  gone: boolean;
  /** Tail of the connection's serial task chain; `null` when idle (the fast path is synchronous). */
  tail: Promise<void> | null;
  /** Message budget (`message-budget.ts`). */
  readonly budget: MessageBudget;
}

/** A new connection record for an admitted socket, not joined yet. */
export function newConnection(
  identity: { id: number; instanceId: string },
  socket: SignalingSocket,
  transport: SignalingTransport | null,
  admission: SignalingAdmission,
  limits: BudgetLimits,
  nowMs: number,
): Connection {
  const { participant } = admission;
  return {
    id: identity.id,
    owner: `${identity.instanceId}:${identity.id}`,
    sessionId: admission.session.id,
    userId: participant.userId,
    displayName: participant.displayName,
    role: participant.role,
    socket,
    transport,
    corked: false,
    micEnabled: participant.micEnabled,
    cameraEnabled: participant.cameraEnabled,
    recording: participant.recording ?? false,
    lastSeenMs: nowMs,
    refreshedAtMs: nowMs,
    joining: null,
    joined: false,
    gone: false,
    tail: null,
    budget: fullBudget(limits, nowMs),
  };
}

/** How the others see the connection's participant (`participant-list`, `participant-joined`); `recording` only while true. */
export function participantView(conn: Connection): SignalingParticipant {
  const view: SignalingParticipant = { userId: conn.userId, displayName: conn.displayName, role: conn.role, micEnabled: conn.micEnabled, cameraEnabled: conn.cameraEnabled };
  if (conn.recording) view.recording = true;
  return view;
}

/**
 * Runs a message task in order with the connection's earlier ones. A synchronous task (relays,
 * heartbeats) runs at once when nothing is pending; an async one (joining, media-state) holds
 * back the connection's later frames until it settles. Failures go to `onError`.
 */
export function runInOrder(conn: Connection, task: () => void | Promise<void>, onError: (err: unknown) => void): void {
  if (conn.tail) {
    setTail(conn, conn.tail.then(task).catch(onError));
    return;
  }
  let result: void | Promise<void>;
  try {
    result = task();
  } catch (err) {
    onError(err);
    return;
  }
  if (result) setTail(conn, result.catch(onError));
}

/** Makes `tail` the connection's pending task; it clears itself once settled unless replaced. */
export function setTail(conn: Connection, tail: Promise<void>): void {
  conn.tail = tail;
  void tail.then(() => {
    if (conn.tail === tail) conn.tail = null;
  });
}
