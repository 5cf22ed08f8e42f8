import type { TSchema } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';
import type { Clock } from '../../shared/clock.ts';
import type { SignalingSessions } from './signaling.ports.ts';
import {
  AnswerMessage,
  HeartbeatMessage,
  IceCandidateMessage,
  MediaStateMessage,
  OfferMessage,
  SpeakingMessage,
  type ClientMessageMap,
  type IceCandidate,
  type ServerMessage,
} from './signaling.schemas.ts';
import type { Connection } from './connection.ts';

/** What a message handler may do. Implemented by `SignalingService`; handlers never see sockets. */
export interface HandlerContext {
  readonly sessions: SignalingSessions;
  readonly clock: Clock;
  /** Sends one frame to one connection (dropped silently if its socket is no longer open). */
  send(conn: Connection, message: ServerMessage): void;
  /** Sends one frame to every other participant connected to the session, on any instance. */
  broadcast(sessionId: string, message: ServerMessage, exceptUserId: string): void;
  /**
   * Delivers `message` to `toUserId`'s connection in the sender's own session, on whichever
   * instance holds it. Anyone else (another session, not connected, the sender itself) gets the
   * sender a `PEER_NOT_FOUND` error frame and nothing is delivered.
   */
  relay(conn: Connection, toUserId: string, message: ServerMessage): void;
  /** Publishes the connection's current view (role, media state) to the shared presence. */
  updatePresence(conn: Connection): void;
  /** A sign of life that also refreshes the shared heartbeat key. */
  heartbeat(conn: Connection): void;
  /** Starts or ends a speaking stretch. @returns false when nothing changed. */
  setSpeaking(conn: Connection, speaking: boolean): boolean;
  /** Sends `{ type: 'error', code, message }`; the socket stays open. */
  sendError(conn: Connection, code: string, message: string): void;
  /** Answers a malformed frame with `INVALID_MESSAGE` and charges the sender's abuse budget. */
  reject(conn: Connection, message: string): void;
}

/** Handles one validated client message; a returned promise delays the connection's next message. */
export type MessageHandler<M> = (ctx: HandlerContext, conn: Connection, message: M) => void | Promise<void>;

interface Entry {
  validator: Validator;
  handle: MessageHandler<never>;
}

/**
 * Dispatch by message `type` (a handler per type, no switch): parse, validate against the type's
 * TypeBox schema, then call its handler.
 */
export class HandlerRegistry {
  private readonly handlers = new Map<string, Entry>();

  /** Adds the handler of a message type. @throws Error when the type already has one. */
  register<K extends keyof ClientMessageMap>(type: K, schema: TSchema, handle: MessageHandler<ClientMessageMap[K]>): this {
    if (this.handlers.has(type)) throw new Error(`Signaling message type "${type}" is registered twice`);
    this.handlers.set(type, { validator: Compile(schema), handle: handle as MessageHandler<never> });
    return this;
  }

  /**
   * Parses and dispatches one text frame. Malformed frames are rejected through `ctx.reject`
   * (the socket stays open).
   */
  dispatch(ctx: HandlerContext, conn: Connection, text: string): void | Promise<void> {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return ctx.reject(conn, 'Frames must be JSON');
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message) || typeof (message as { type?: unknown }).type !== 'string') {
      return ctx.reject(conn, 'Expected a JSON object with a string "type"');
    }
    const type = (message as { type: string }).type;
    const entry = this.handlers.get(type);
    if (!entry) return ctx.reject(conn, `Unknown message type "${type.slice(0, 40)}"`);
    if (!entry.validator.Check(message)) {
      const first = entry.validator.Errors(message)[0];
      return ctx.reject(conn, first ? `Invalid "${type}": ${first.instancePath || '/'} ${first.message}` : `Invalid "${type}"`);
    }
    return entry.handle(ctx, conn, message as never);
  }
}

/** `offer`: relayed to `toUserId` only, `fromUserId` set by the server (DESIGN 5). */
const relayOffer: MessageHandler<OfferMessage> = (ctx, conn, msg) => {
  ctx.relay(conn, msg.toUserId, { type: 'offer', fromUserId: conn.userId, toUserId: msg.toUserId, sdp: msg.sdp });
};

/** `answer`: relayed to `toUserId` only, `fromUserId` set by the server. */
const relayAnswer: MessageHandler<AnswerMessage> = (ctx, conn, msg) => {
  ctx.relay(conn, msg.toUserId, { type: 'answer', fromUserId: conn.userId, toUserId: msg.toUserId, sdp: msg.sdp });
};

/** `ice-candidate`: relayed to `toUserId` only, with the candidate's known fields only. */
const relayIceCandidate: MessageHandler<IceCandidateMessage> = (ctx, conn, msg) => {
  ctx.relay(conn, msg.toUserId, { type: 'ice-candidate', fromUserId: conn.userId, toUserId: msg.toUserId, candidate: cleanCandidate(msg.candidate) });
};

/** `media-state`: stored on the participant, then broadcast to the others with `userId`. */
const updateMediaState: MessageHandler<MediaStateMessage> = async (ctx, conn, msg) => {
  const state = { micEnabled: msg.micEnabled, cameraEnabled: msg.cameraEnabled };
  await ctx.sessions.setMediaState(conn.sessionId, conn.userId, state);
  if (conn.gone) return; // closed meanwhile: its successor (if any) announced its own state
  conn.micEnabled = state.micEnabled;
  conn.cameraEnabled = state.cameraEnabled;
  ctx.updatePresence(conn);
  ctx.broadcast(conn.sessionId, { type: 'media-state', userId: conn.userId, ...state }, conn.userId);
};

/** `heartbeat`: answered at once; also keeps the shared heartbeat key alive (any frame is a sign of life). */
const acknowledgeHeartbeat: MessageHandler<HeartbeatMessage> = (ctx, conn) => {
  ctx.heartbeat(conn);
  ctx.send(conn, { type: 'heartbeat-ack' });
};

/**
 * `speaking`: broadcast to the others with `userId` when it changes; the end of a stretch adds its
 * length to the participant's speaking time (repeats of the same state are ignored).
 */
const updateSpeaking: MessageHandler<SpeakingMessage> = (ctx, conn, msg) => {
  if (ctx.setSpeaking(conn, msg.speaking)) ctx.broadcast(conn.sessionId, { type: 'speaking', userId: conn.userId, speaking: msg.speaking }, conn.userId);
};

/** Copies only the fields of `RTCIceCandidateInit`, so nothing else a client adds is forwarded. */
function cleanCandidate(candidate: IceCandidate): IceCandidate {
  if (candidate === null) return null;
  const out: NonNullable<IceCandidate> = { candidate: candidate.candidate };
  if (candidate.sdpMid !== undefined) out.sdpMid = candidate.sdpMid;
  if (candidate.sdpMLineIndex !== undefined) out.sdpMLineIndex = candidate.sdpMLineIndex;
  if (candidate.usernameFragment !== undefined) out.usernameFragment = candidate.usernameFragment;
  return out;
}

/** The handlers of every client message of DESIGN 4.3. */
export function createHandlerRegistry(): HandlerRegistry {
  return new HandlerRegistry()
    .register('offer', OfferMessage, relayOffer)
    .register('answer', AnswerMessage, relayAnswer)
    .register('ice-candidate', IceCandidateMessage, relayIceCandidate)
    .register('media-state', MediaStateMessage, updateMediaState)
    .register('heartbeat', HeartbeatMessage, acknowledgeHeartbeat)
    .register('speaking', SpeakingMessage, updateSpeaking);
}
