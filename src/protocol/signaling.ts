/**
 * Wire formats of the signaling WebSocket (DESIGN 4.3, seed 003) and of its tickets.
 *
 * Client messages are checked with these TypeBox schemas before any handler sees them. Extra
 * properties are tolerated (a client may send a forged `fromUserId`, or fields of a newer
 * version), but nothing a client sends is forwarded as is: relayed frames are rebuilt from the
 * validated fields only. Server frames are typed by `ServerMessageMap` (the server never
 * validates what it sends itself).
 */

import { Type, type Static } from 'typebox';
import { DateTime, NullableDateTime } from './common.ts';
import { SessionStatus } from './sessions.ts';

/** Longest SDP accepted, in UTF-16 code units (a 8-way mesh offer with simulcast stays far below). */
export const MAX_SDP_LENGTH = 32 * 1024;
/** Longest ICE candidate line. */
export const MAX_CANDIDATE_LENGTH = 2048;
/** User ids are opaque strings of up to 128 characters (DESIGN 4.6). */
export const MAX_USER_ID_LENGTH = 128;

const UserId = Type.String({ minLength: 1, maxLength: MAX_USER_ID_LENGTH });

/** `GET /ws/signaling?token=…&sessionId=…`: `token` is a JWT or a single-use ticket (`st_…`). */
export const SignalingQuery = Type.Object({
  token: Type.String({ minLength: 1, maxLength: 8192 }),
  sessionId: Type.String({ minLength: 1, maxLength: 64 }),
});
export type SignalingQuery = Static<typeof SignalingQuery>;

// ---- Client → server ----

/** An SDP offer for `toUserId` (relayed as `offer` with `fromUserId`). */
export const OfferMessage = Type.Object({
  type: Type.Literal('offer'),
  toUserId: UserId,
  sdp: Type.String({ minLength: 1, maxLength: MAX_SDP_LENGTH }),
});
export type OfferMessage = Static<typeof OfferMessage>;

/** The SDP answer to `toUserId`'s offer. */
export const AnswerMessage = Type.Object({
  type: Type.Literal('answer'),
  toUserId: UserId,
  sdp: Type.String({ minLength: 1, maxLength: MAX_SDP_LENGTH }),
});
export type AnswerMessage = Static<typeof AnswerMessage>;

/** `RTCIceCandidateInit`; `null` is the end-of-candidates marker some clients forward. */
export const IceCandidate = Type.Union([
  Type.Object({
    candidate: Type.String({ maxLength: MAX_CANDIDATE_LENGTH }),
    sdpMid: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()])),
    sdpMLineIndex: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 1023 }), Type.Null()])),
    usernameFragment: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()])),
  }),
  Type.Null(),
]);
export type IceCandidate = Static<typeof IceCandidate>;

/** A local ICE candidate for `toUserId`'s connection. */
export const IceCandidateMessage = Type.Object({
  type: Type.Literal('ice-candidate'),
  toUserId: UserId,
  candidate: IceCandidate,
});
export type IceCandidateMessage = Static<typeof IceCandidateMessage>;

/** Our microphone and camera switched on or off (broadcast with `userId`). */
export const MediaStateMessage = Type.Object({
  type: Type.Literal('media-state'),
  micEnabled: Type.Boolean(),
  cameraEnabled: Type.Boolean(),
});
export type MediaStateMessage = Static<typeof MediaStateMessage>;

/** Sent every 15 s; answered `heartbeat-ack`. */
export const HeartbeatMessage = Type.Object({ type: Type.Literal('heartbeat') });
export type HeartbeatMessage = Static<typeof HeartbeatMessage>;

/** The client's voice activity: a speaking stretch starts with `true` and ends with `false`. */
export const SpeakingMessage = Type.Object({
  type: Type.Literal('speaking'),
  speaking: Type.Boolean(),
});
export type SpeakingMessage = Static<typeof SpeakingMessage>;

/** Every message a client may send, by `type`. */
export interface ClientMessageMap {
  offer: OfferMessage;
  answer: AnswerMessage;
  'ice-candidate': IceCandidateMessage;
  'media-state': MediaStateMessage;
  heartbeat: HeartbeatMessage;
  speaking: SpeakingMessage;
}

/** A client frame: one of `ClientMessageMap`. */
export type ClientMessage = ClientMessageMap[keyof ClientMessageMap];

// ---- Server → client ----

/** A connected participant as the others see it (`participant-list`, `participant-joined`). */
export const SignalingParticipant = Type.Object({
  userId: Type.String(),
  displayName: Type.String(),
  role: Type.Union([Type.Literal('host'), Type.Literal('participant')]),
  micEnabled: Type.Boolean(),
  cameraEnabled: Type.Boolean(),
  /** Present (true) while their own audio is being recorded (DESIGN 4.7); absent otherwise. */
  recording: Type.Optional(Type.Literal(true)),
});
export type SignalingParticipant = Static<typeof SignalingParticipant>;

/** The session snapshot sent with `participant-list`. Times are ISO 8601 UTC. */
export const SessionSnapshot = Type.Object({
  id: Type.String(),
  status: SessionStatus,
  startedAt: NullableDateTime,
  endsAt: NullableDateTime,
});
export type SessionSnapshot = Static<typeof SessionSnapshot>;

/** Why a participant left: on purpose (`left`), or a drop that outlived the reconnect window. */
export type ParticipantLeftReason = 'left' | 'disconnected';

/**
 * Every frame the server sends, by `type` (the typed event map; `send` only accepts these).
 * Relays carry `fromUserId`, always the sender's authenticated id.
 */
export interface ServerMessageMap {
  /** To a newcomer: the others already connected. `speaking` frames follow for those speaking now. */
  'participant-list': { participants: SignalingParticipant[]; session: SessionSnapshot };
  /** `reconnected`: back inside the reconnect window (drop the old peer connection to them). */
  'participant-joined': { participant: SignalingParticipant; reconnected?: true };
  'participant-left': { userId: string; reason: ParticipantLeftReason };
  offer: { fromUserId: string; toUserId: string; sdp: string };
  answer: { fromUserId: string; toUserId: string; sdp: string };
  'ice-candidate': { fromUserId: string; toUserId: string; candidate: IceCandidate };
  'media-state': { userId: string; micEnabled: boolean; cameraEnabled: boolean };
  speaking: { userId: string; speaking: boolean };
  'session-started': { startedAt: string };
  /** `reason`: an end reason of DESIGN 2 (`completed`, `host_ended`…). */
  'session-ended': { reason: string };
  'host-changed': { hostUserId: string };
  /** `userId`'s own audio started (`true`) or stopped being recorded (DESIGN 4.7): every tile shows it. */
  recording: { userId: string; recording: boolean };
  'heartbeat-ack': Record<never, never>;
  /** A frame refused (`INVALID_MESSAGE`, `PEER_NOT_FOUND`, `INTERNAL_ERROR`); the socket stays open. */
  error: { code: string; message: string };
}

/** A server frame: its `type` plus that type's fields. */
export type ServerMessage = { [K in keyof ServerMessageMap]: { type: K } & ServerMessageMap[K] }[keyof ServerMessageMap];

// ---- Tickets ----

/** `POST /api/signaling/tickets` body. */
export const TicketRequest = Type.Object(
  { sessionId: Type.String({ minLength: 1, maxLength: 64, description: 'The session the ticket opens' }) },
  { additionalProperties: false },
);
export type TicketRequest = Static<typeof TicketRequest>;

/** A single-use signaling ticket, valid until `expiresAt` (ISO 8601 UTC): pass it as `token` when opening `/ws/signaling`. */
export const TicketResponse = Type.Object({
  ticket: Type.String({ description: 'Opaque, single use, bound to the caller and the session' }),
  expiresAt: DateTime,
});
export type TicketResponse = Static<typeof TicketResponse>;
