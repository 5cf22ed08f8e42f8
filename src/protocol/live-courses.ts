/**
 * Live courses on Jitsi Meet (seed 004, DESIGN 4.9): courses and enrolments, live sessions and
 * their series, joining and Jitsi tokens, the Q&A chat and statistics. JSON is camelCase; seed
 * 004's snake_case names map one to one (`jitsi_room_name` → `jitsiRoomName`). Times are ISO 8601 UTC.
 */

import { Type, type Static } from 'typebox';
import { DateTime, NullableDateTime } from './common.ts';

/** A course id (the course service's, opaque) in a path. */
export const CourseIdParams = Type.Object({ courseId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._:-]+$' }) });
export type CourseIdParams = Static<typeof CourseIdParams>;

/** A user id (`sub`, up to 128 characters, DESIGN 4.6). */
export const UserId = Type.String({ minLength: 1, maxLength: 128 });

/** `PUT /api/courses/{courseId}/enrolments/{userId}` path. */
export const EnrolmentParams = Type.Object({ courseId: CourseIdParams.properties.courseId, userId: UserId });
export type EnrolmentParams = Static<typeof EnrolmentParams>;

/** `PUT /api/courses/{courseId}` body (admins): the course as the course service knows it. */
export const PutCourseBody = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 200 }),
    slug: Type.String({ minLength: 1, maxLength: 120, pattern: '^[a-z0-9]+(-[a-z0-9]+)*$' }),
    timeZone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Europe/Paris' }),
    instructorIds: Type.Array(UserId, { maxItems: 50, uniqueItems: true }),
    moderatorIds: Type.Optional(Type.Array(UserId, { maxItems: 50, uniqueItems: true })),
  },
  { additionalProperties: false },
);
export type PutCourseBody = Static<typeof PutCourseBody>;

/** What the caller is to a course: `instructor` and `moderator` run it, `student` is enrolled. */
export const CourseRole = Type.Union([Type.Literal('instructor'), Type.Literal('moderator'), Type.Literal('student')]);
export type CourseRole = Static<typeof CourseRole>;

/** A course as clients see it. */
export const Course = Type.Object({
  id: Type.String(),
  title: Type.String(),
  slug: Type.String(),
  timeZone: Type.String(),
  instructorIds: Type.Array(Type.String()),
  moderatorIds: Type.Array(Type.String()),
  /** The caller's roles in this course (empty for an admin who holds none). */
  myRoles: Type.Array(CourseRole),
  createdAt: DateTime,
  updatedAt: DateTime,
});
export type Course = Static<typeof Course>;

/** `GET /api/courses/mine`: the courses the caller teaches, moderates or is enrolled in. */
export const CourseList = Type.Object({ items: Type.Array(Course) });
export type CourseList = Static<typeof CourseList>;

/** An enrolment (`PUT /api/courses/{courseId}/enrolments/{userId}` answer). */
export const Enrolment = Type.Object({ courseId: Type.String(), userId: Type.String(), enrolledAt: DateTime });
export type Enrolment = Static<typeof Enrolment>;

/** `scheduled` → `live` → `ended`, or `cancelled` (seed 004 "États d'une Session"). */
export const LiveSessionStatus = Type.Union([Type.Literal('scheduled'), Type.Literal('live'), Type.Literal('ended'), Type.Literal('cancelled')]);
export type LiveSessionStatus = Static<typeof LiveSessionStatus>;

/** A live session as clients see it (DESIGN 4.9 fields, plus the course's title and time zone for display). */
export const LiveSession = Type.Object(
  {
    id: Type.String(),
    courseId: Type.String(),
    courseTitle: Type.String(),
    courseSlug: Type.String(),
    /** The course's IANA time zone (series and calendars use it). */
    timeZone: Type.String(),
    number: Type.Integer(),
    seriesId: Type.Union([Type.String(), Type.Null()]),
    title: Type.String(),
    description: Type.String(),
    startAt: DateTime,
    endAt: DateTime,
    maxParticipants: Type.Integer(),
    recordingEnabled: Type.Boolean(),
    /** Students may share their screen (instructors always may). */
    studentScreenShare: Type.Boolean(),
    status: LiveSessionStatus,
    cancelReason: Type.Union([Type.String(), Type.Null()]),
    jitsiRoomName: Type.String(),
    jitsiJoinUrl: Type.String(),
    /** True when the room has a password (given by `join`). */
    hasRoomPassword: Type.Boolean(),
    actualStartAt: NullableDateTime,
    actualEndAt: NullableDateTime,
    recordingUrl: Type.Union([Type.String(), Type.Null()]),
    /** The caller's roles in the course (what the pages offer: manage, join). */
    myRoles: Type.Array(CourseRole),
    /** Whether the caller is present in the session now. */
    amPresent: Type.Boolean(),
  },
  { description: 'A live session of a course (seed 004)' },
);
export type LiveSession = Static<typeof LiveSession>;

/** A session id in a path. */
export const LiveSessionIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
export type LiveSessionIdParams = Static<typeof LiveSessionIdParams>;

const Title = Type.String({ minLength: 1, maxLength: 200 });
const Description = Type.String({ maxLength: 5000 });
const MaxParticipants = Type.Integer({ minimum: 1, maximum: 1000, description: 'Students at once (seed 004: e.g. 50); instructors and moderators do not count' });

/** `POST /api/courses/{courseId}/live-sessions` body; `series` makes a weekly series (seed 004 case 2). */
export const CreateLiveSessionBody = Type.Object(
  {
    title: Title,
    description: Type.Optional(Description),
    startAt: DateTime,
    endAt: DateTime,
    maxParticipants: Type.Optional(Type.Integer({ ...MaxParticipants, default: 50 })),
    recordingEnabled: Type.Optional(Type.Boolean()),
    studentScreenShare: Type.Optional(Type.Boolean()),
    /** Generate a room password (given to those who join). */
    roomPassword: Type.Optional(Type.Boolean()),
    series: Type.Optional(
      Type.Object(
        {
          weekly: Type.Literal(true),
          /** How many sessions (the first included), 2..52. */
          count: Type.Optional(Type.Integer({ minimum: 2, maximum: 52 })),
          /** Last day a session may start on (inclusive, in the course's time zone). */
          until: Type.Optional(Type.String({ format: 'date' })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type CreateLiveSessionBody = Static<typeof CreateLiveSessionBody>;

/** `POST /api/courses/{courseId}/live-sessions` answer: the session, or every session of the series. */
export const CreatedLiveSessions = Type.Object({ items: Type.Array(LiveSession) });
export type CreatedLiveSessions = Static<typeof CreatedLiveSessions>;

/** `PATCH /api/live-sessions/{id}` body: what changes; schedule fields only while `scheduled`. */
export const UpdateLiveSessionBody = Type.Object(
  {
    title: Type.Optional(Title),
    description: Type.Optional(Description),
    startAt: Type.Optional(DateTime),
    endAt: Type.Optional(DateTime),
    maxParticipants: Type.Optional(MaxParticipants),
    recordingEnabled: Type.Optional(Type.Boolean()),
    studentScreenShare: Type.Optional(Type.Boolean()),
    recordingUrl: Type.Optional(Type.Union([Type.String({ format: 'uri', maxLength: 2000, pattern: '^https?://' }), Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateLiveSessionBody = Static<typeof UpdateLiveSessionBody>;

/** `POST /api/live-sessions/{id}/cancel` body. */
export const CancelLiveSessionBody = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 500, pattern: '\\S' }) }, { additionalProperties: false });
export type CancelLiveSessionBody = Static<typeof CancelLiveSessionBody>;

/** `GET /api/courses/{courseId}/live-sessions` and `GET /api/live-sessions` answers. */
export const LiveSessionList = Type.Object({ items: Type.Array(LiveSession) });
export type LiveSessionList = Static<typeof LiveSessionList>;

/** `GET /api/live-sessions?status=` (the caller's): upcoming, live now, or past (ended, cancelled, or never held). */
export const MyLiveSessionsQuery = Type.Object(
  { status: Type.Optional(Type.Union([Type.Literal('upcoming'), Type.Literal('live'), Type.Literal('past')])) },
  { additionalProperties: false },
);
export type MyLiveSessionsQuery = Static<typeof MyLiveSessionsQuery>;

/** `POST /api/live-sessions/{id}/join` answer (seed 004 "Flux de Données" 2). */
export const JoinLiveSessionResult = Type.Object({
  jitsiJoinUrl: Type.String(),
  jitsiRoomPassword: Type.Union([Type.String(), Type.Null()]),
  session: LiveSession,
});
export type JoinLiveSessionResult = Static<typeof JoinLiveSessionResult>;

/** `POST /api/live-sessions/{id}/jitsi-token` answer (seed 004 "Flux de Données" 3). */
export const JitsiTokenResult = Type.Object({
  jwt: Type.String(),
  jitsiJoinUrl: Type.String(),
  expiresAt: DateTime,
  /** The room's name as the IFrame API's `roomName` (a tenant prefix included). */
  roomName: Type.String(),
  moderator: Type.Boolean(),
});
export type JitsiTokenResult = Static<typeof JitsiTokenResult>;

/** `GET /api/jitsi/config`: what the join page needs to load the Jitsi IFrame API. */
export const JitsiClientConfig = Type.Object({
  /** `JITSI_URL`. */
  url: Type.String(),
  /** The IFrame API's `domain` argument (host and port of `JITSI_URL`). */
  domain: Type.String(),
  /** `{JITSI_URL}/external_api.js`. */
  externalApiUrl: Type.String(),
});
export type JitsiClientConfig = Static<typeof JitsiClientConfig>;

/** `POST /api/live-sessions/{id}/heartbeat` answer. */
export const PresenceResult = Type.Object({ isPresent: Type.Boolean() });
export type PresenceResult = Static<typeof PresenceResult>;

/** Chat message types (seed 004 §5 "Chat"). */
export const ChatMessageType = Type.Union([Type.Literal('text'), Type.Literal('question'), Type.Literal('answer')]);
export type ChatMessageType = Static<typeof ChatMessageType>;

/** A chat message; `seq` orders the session's chat changes (the stream's event ids). */
export const ChatMessage = Type.Object({
  id: Type.String(),
  seq: Type.Integer(),
  type: ChatMessageType,
  text: Type.String(),
  /** The question an answer refers to. */
  replyTo: Type.Union([Type.String(), Type.Null()]),
  userId: Type.String(),
  displayName: Type.String(),
  createdAt: DateTime,
  /** Questions: marked answered by an instructor, or answered by an answer. */
  answered: Type.Boolean(),
  /** Set when an instructor deleted it (its text is then empty). */
  deleted: Type.Boolean(),
});
export type ChatMessage = Static<typeof ChatMessage>;

/** `POST /api/live-sessions/{id}/chat` body. */
export const PostChatBody = Type.Object(
  {
    type: Type.Optional(ChatMessageType),
    text: Type.String({ minLength: 1, maxLength: 2000, pattern: '\\S' }),
    replyTo: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);
export type PostChatBody = Static<typeof PostChatBody>;

/** `GET /api/live-sessions/{id}/chat` query: messages changed after `after` (a `seq`). */
export const ChatQuery = Type.Object(
  { after: Type.Optional(Type.Integer({ minimum: 0 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 200 })) },
  { additionalProperties: false },
);
export type ChatQuery = Static<typeof ChatQuery>;

/** `GET /api/live-sessions/{id}/chat` answer; `nextCursor` is the `after` of the next page. */
export const ChatPage = Type.Object({ items: Type.Array(ChatMessage), nextCursor: Type.Union([Type.String(), Type.Null()]) });
export type ChatPage = Static<typeof ChatPage>;

/** A chat message id in a path. */
export const ChatMessageParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), messageId: Type.String({ minLength: 1, maxLength: 64 }) });
export type ChatMessageParams = Static<typeof ChatMessageParams>;

/**
 * Events of `GET /api/live-sessions/{id}/chat/stream` (server-sent events): `message` (a message
 * created or changed; `id:` its `seq`, so `Last-Event-ID` resumes after it) and `status` (the
 * session's status changed). Comments (`: keep-alive`) every 15 s.
 */
export const ChatStreamStatus = Type.Object({ status: LiveSessionStatus, actualStartAt: NullableDateTime, actualEndAt: NullableDateTime });
export type ChatStreamStatus = Static<typeof ChatStreamStatus>;

/** One presence interval (`leftAt` null while it is open). */
export const PresenceInterval = Type.Object({ joinedAt: DateTime, leftAt: NullableDateTime });
export type PresenceInterval = Static<typeof PresenceInterval>;

/** `GET /api/live-sessions/{id}/stats` (seed 004 §6). */
export const LiveSessionStats = Type.Object({
  totalDurationSeconds: Type.Integer(),
  /** Attendees other than the course's instructors. */
  participantCount: Type.Integer(),
  /** Mean presence of those attendees. */
  averagePresenceSeconds: Type.Integer(),
  questionCount: Type.Integer(),
  answeredCount: Type.Integer(),
  recordingUrl: Type.Union([Type.String(), Type.Null()]),
  participants: Type.Array(
    Type.Object({
      userId: Type.String(),
      displayName: Type.String(),
      role: CourseRole,
      isPresent: Type.Boolean(),
      presenceSeconds: Type.Integer(),
      intervals: Type.Array(PresenceInterval),
    }),
  ),
});
export type LiveSessionStats = Static<typeof LiveSessionStats>;

/** `POST /api/live-sessions/{id}/start` answer. */
export const StartedLiveSession = Type.Object({ status: Type.Literal('live'), actualStartAt: DateTime, session: LiveSession });
export type StartedLiveSession = Static<typeof StartedLiveSession>;

/** `POST /api/live-sessions/{id}/end` answer. */
export const EndedLiveSession = Type.Object({
  status: Type.Literal('ended'),
  actualEndAt: DateTime,
  recordingUrl: Type.Union([Type.String(), Type.Null()]),
  session: LiveSession,
});
export type EndedLiveSession = Static<typeof EndedLiveSession>;
