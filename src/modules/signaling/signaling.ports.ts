/**
 * What signaling needs from the rest of the service. The sessions module's participation
 * (`SessionsService.participation`) satisfies `SignalingSessions`; signaling never touches the
 * sessions repository.
 */
import type { SessionChange } from '../sessions/sessions.service.ts';

/**
 * A committed change that connected clients must hear about: the sessions module's
 * `SessionChange`s, and a user's erasure (their sockets close 4403 `USER_DELETED` on every instance).
 */
export type SignalingSessionChange = SessionChange | { type: 'user-erased'; userId: string };

/** The admission answer: the session snapshot and the caller's participation. */
export interface SignalingAdmission {
  session: { id: string; status: 'waiting' | 'active' | 'ended'; startedAt: string | null; endsAt: string | null };
  participant: {
    userId: string;
    displayName: string;
    role: 'host' | 'participant';
    micEnabled: boolean;
    cameraEnabled: boolean;
    /** Their own audio is being recorded right now (DESIGN 4.7); shown to the others. */
    recording?: boolean;
  };
}

/** The sessions operations signaling calls (implemented by the sessions module's `SessionParticipation`). */
export interface SignalingSessions {
  /**
   * Checks that `userId` may signal in `sessionId` at `now`.
   * @throws AppError not_found/SESSION_NOT_FOUND, forbidden/NOT_A_PARTICIPANT,
   *   conflict/SESSION_ENDED, conflict/JOIN_WINDOW_NOT_OPEN.
   */
  authorizeSignaling(sessionId: string, userId: string, now: Date): Promise<SignalingAdmission>;
  /** A connection was accepted: participant `connected`, `joinedAt` set once. */
  markConnected(sessionId: string, userId: string, now: Date): Promise<void>;
  /** The connection closed or timed out: `disconnected`, presence counted up to `now`. */
  markDropped(sessionId: string, userId: string, now: Date): Promise<void>;
  /** The drop became final at `leftAt`; may end the session `all_left` (reported via `onChange`). */
  markLeft(sessionId: string, userId: string, leftAt: Date, now: Date): Promise<void>;
  /** Stores the participant's microphone and camera state. */
  setMediaState(sessionId: string, userId: string, state: { micEnabled: boolean; cameraEnabled: boolean }): Promise<void>;
  /**
   * Adds a speaking stretch reported over signaling (`speaking` messages); the sessions service
   * bounds the total by the participant's presence.
   * @param seconds length of the stretch (fractions kept to the ms).
   */
  addSpeakingTime(sessionId: string, userId: string, seconds: number, now: Date): Promise<void>;
  /**
   * Subscribes to committed changes made on this instance (signaling forwards them to the other
   * instances itself). @returns the unsubscribe function.
   */
  onChange(listener: (change: SignalingSessionChange) => void): () => void;
}

/** A pino-like logger: structured fields first, then the message. */
export interface SignalingLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}
