/** Shapes of the REST and signaling contracts (DESIGN 4.2, 4.3). Times are ISO 8601 UTC strings. */

export type CefrLevel = 'A1' | 'A2' | 'B1' | 'B2' | 'C1' | 'C2';
export const CEFR_LEVELS: readonly CefrLevel[] = ['A1', 'A2', 'B1', 'B2', 'C1', 'C2'];

export interface User {
  id: string;
  name: string;
  roles: string[];
  tier: 'free' | 'premium';
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type Recurrence = 'once' | 'daily' | 'weekly';

export interface Slot {
  id: string;
  targetLanguageCode: string;
  level: CefrLevel;
  startTime: string;
  endTime: string;
  durationMinutes: 15 | 30 | 45;
  maxParticipants: number;
  minParticipants: number;
  recurrence: Recurrence;
  timeZone: string;
  isActive: boolean;
  registeredCount: number;
  seatsLeft: number;
  myRegistrationId: string | null;
  registrationClosesAt: string;
}

export interface NewSlot {
  targetLanguageCode: string;
  level: CefrLevel;
  startTime: string;
  durationMinutes: 15 | 30 | 45;
  maxParticipants: number;
  minParticipants: number;
  recurrence: Recurrence;
  timeZone: string;
}

export type RegistrationStatus = 'registered' | 'cancelled' | 'attended' | 'noshow';

export interface Registration {
  id: string;
  timeSlotId: string;
  status: RegistrationStatus;
  registeredAt: string;
  cancelledAt: string | null;
  sessionId: string | null;
  unmatchedReason: string | null;
  slot: { startTime: string; endTime: string; durationMinutes: number; targetLanguageCode: string; level: CefrLevel };
}

export type SessionStatus = 'waiting' | 'active' | 'ended';

export interface SessionParticipant {
  userId: string;
  displayName: string;
  role: 'host' | 'participant';
  status: 'waiting' | 'connected' | 'disconnected';
  micEnabled: boolean;
  cameraEnabled: boolean;
  /** Whether this participant agreed to have their own audio recorded (seed 000 section 5.4). */
  recordingConsent?: boolean;
  joinedAt?: string | null;
  leftAt?: string | null;
  presenceSeconds?: number;
  speakingTimeSeconds?: number;
}

export type EndReason = 'completed' | 'timeout' | 'host_ended' | 'all_left' | 'cancelled';

export interface Session {
  id: string;
  type: 'public' | 'private';
  timeSlotId: string | null;
  /** The 6-character code of a private session, shown to its members; `null` otherwise. */
  inviteCode?: string | null;
  topicId?: string | null;
  topicTitle?: string | null;
  maxParticipants?: number;
  recordingEnabled?: boolean;
  status: SessionStatus;
  endReason: string | null;
  targetLanguageCode: string;
  level: CefrLevel | null;
  hostUserId: string | null;
  scheduledStartAt: string | null;
  scheduledEndAt: string | null;
  startedAt: string | null;
  endedAt: string | null;
  /** When the session ends (slot end, or private timeout). */
  endsAt: string | null;
  participants: SessionParticipant[];
}

/** `POST /api/sessions` for a private session (seed 002 AC2). */
export interface NewPrivateSession {
  type: 'private';
  targetLanguageCode: string;
  level?: CefrLevel;
  topicTitle?: string;
  maxParticipants?: number;
  recordingConsent?: boolean;
}

export interface Rating {
  rating: number;
  comment: string | null;
  createdAt?: string;
}

/** One row of `GET /api/sessions/history` (newest first). */
export interface HistoryItem {
  id: string;
  type: 'public' | 'private';
  targetLanguageCode: string;
  level: CefrLevel | null;
  topicTitle: string | null;
  participantCount: number;
  durationSeconds: number | null;
  status: SessionStatus;
  endReason: string | null;
  startedAt: string | null;
  endedAt: string | null;
  myPresenceSeconds: number;
  mySpeakingTimeSeconds: number;
  myRating: Rating | null;
}

/** `GET /api/ice-servers`: STUN/TURN servers with time-limited TURN credentials. */
export interface IceServersResponse {
  iceServers: RTCIceServer[];
  ttlSeconds: number;
}

/** `POST /api/signaling/tickets`: a single-use token for one signaling connection. */
export interface SignalingTicket {
  ticket: string;
  expiresAt: string;
}

/** A participant as announced on the signaling socket. */
export interface SignalParticipant {
  userId: string;
  displayName: string;
  role?: string;
  micEnabled?: boolean;
  cameraEnabled?: boolean;
  /** Speaking right now (if the server says; otherwise learnt from the next `speaking` frame). */
  speaking?: boolean;
}

/** Messages the server sends on `/ws/signaling` (DESIGN 4.3). */
export type ServerMessage =
  | {
      type: 'participant-list';
      participants: SignalParticipant[];
      session: { id: string; status: SessionStatus; startedAt: string | null; endsAt: string | null };
    }
  | { type: 'participant-joined'; participant: SignalParticipant; reconnected?: boolean }
  | { type: 'participant-left'; userId: string; reason?: string }
  | { type: 'offer'; fromUserId: string; sdp: string }
  | { type: 'answer'; fromUserId: string; sdp: string }
  | { type: 'ice-candidate'; fromUserId: string; candidate: RTCIceCandidateInit | null }
  | { type: 'session-started'; startedAt: string }
  | { type: 'session-ended'; reason: string }
  | { type: 'media-state'; userId: string; micEnabled: boolean; cameraEnabled: boolean }
  | { type: 'host-changed'; hostUserId: string }
  | { type: 'speaking'; userId: string; speaking: boolean }
  | { type: 'heartbeat-ack' }
  | { type: 'error'; code: string; message: string };

/** Messages the client sends on `/ws/signaling`. */
export type ClientMessage =
  | { type: 'offer'; toUserId: string; sdp: string }
  | { type: 'answer'; toUserId: string; sdp: string }
  | { type: 'ice-candidate'; toUserId: string; candidate: RTCIceCandidateInit }
  | { type: 'media-state'; micEnabled: boolean; cameraEnabled: boolean }
  | { type: 'speaking'; speaking: boolean }
  | { type: 'heartbeat' };
