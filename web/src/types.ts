/**
 * The shapes the client uses. What crosses the wire is defined once, in `src/protocol/` (the
 * server validates with the same schemas), and imported here as types only: nothing of the
 * server reaches the bundle. Times are ISO 8601 UTC strings.
 */
import type { CefrLevel } from '../../src/protocol/common.ts';

export type { CefrLevel, ErrorBody, Page } from '../../src/protocol/common.ts';
export type { AuthConfig, DevToken, DevTokenBody, User } from '../../src/protocol/auth.ts';
export type { IceServersResponse } from '../../src/protocol/ice.ts';
export type { AdminListSlotsQuery, AdminSlot, CreateSlotBody, PatchSlotBody, Recurrence, Slot, SlotSeriesSummary } from '../../src/protocol/slots.ts';
export type { Registration, RegistrationStatus } from '../../src/protocol/registrations.ts';
export type {
  ConsentBody,
  CreateSessionBody,
  EndReason,
  HistoryItem,
  JoinSessionBody,
  Rating,
  RatingBody,
  Session,
  SessionParticipant,
  SessionStatus,
} from '../../src/protocol/sessions.ts';
export type {
  CompleteRecordingBody,
  PartUrl,
  PartUrlBody,
  Recording,
  RecordingPage,
  SessionRecordings,
  StartRecordingBody,
  StartedRecording,
} from '../../src/protocol/recordings.ts';
export type {
  ClientMessage,
  IceCandidate,
  ParticipantLeftReason,
  ServerMessage,
  SignalingParticipant,
  TicketRequest,
  TicketResponse,
} from '../../src/protocol/signaling.ts';

export type {
  ChatMessage,
  ChatMessageType,
  ChatPage,
  ChatStreamStatus,
  Course,
  CourseList,
  CourseRole,
  CreateLiveSessionBody,
  CreatedLiveSessions,
  JitsiClientConfig,
  JitsiTokenResult,
  JoinLiveSessionResult,
  LiveSession,
  LiveSessionList,
  LiveSessionStats,
  LiveSessionStatus,
  PostChatBody,
  PresenceResult,
  UpdateLiveSessionBody,
} from '../../src/protocol/live-courses.ts';
export type { CalendarEvent, CalendarEventList, CalendarFeed } from '../../src/protocol/calendar.ts';

/** The CEFR levels in order, for pickers (the wire's `CefrLevel`). */
export const CEFR_LEVELS: readonly CefrLevel[] = ['A1', 'A2', 'B1', 'B2', 'C1', 'C2'];
