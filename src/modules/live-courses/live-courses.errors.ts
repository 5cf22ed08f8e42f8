import { AppError } from '../../shared/errors.ts';

/**
 * Every error the live-courses module raises, by stable code (seed 004, DESIGN 4.2 and 4.9).
 * Unknown resources and those the caller may not see are both 404 (no existence leak); what the
 * caller sees but may not do is 403; a wrong state is 409.
 */
export const LiveErrors = {
  courseNotFound: () => new AppError('not_found', 'COURSE_NOT_FOUND', 'No such course'),
  slugTaken: () => new AppError('conflict', 'COURSE_SLUG_TAKEN', 'Another course has this slug'),
  invalidTimeZone: (zone: string) => new AppError('validation', 'INVALID_TIME_ZONE', `"${zone}" is not an IANA time zone`),
  enrolmentNotFound: () => new AppError('not_found', 'ENROLMENT_NOT_FOUND', 'This user is not enrolled in the course'),
  sessionNotFound: () => new AppError('not_found', 'LIVE_SESSION_NOT_FOUND', 'No such live session'),
  /** Managing sessions needs the `instructor` role and a place in the course's `instructorIds` (DESIGN 4.9). */
  notInstructor: () => new AppError('forbidden', 'NOT_INSTRUCTOR', 'Only an instructor of this course may do this'),
  /** Chat moderation and statistics: instructors and course moderators. */
  notStaff: () => new AppError('forbidden', 'NOT_COURSE_STAFF', 'Only the instructors and moderators of this course may do this'),
  notEnrolled: () => new AppError('forbidden', 'NOT_ENROLLED', 'You are not enrolled in this course'),
  notParticipant: () => new AppError('forbidden', 'NOT_A_PARTICIPANT', 'Only participants of this session may do this'),
  /** A transition the session's state does not allow ("États d'une Session"). */
  invalidTransition: (from: string, action: string) =>
    new AppError('conflict', 'INVALID_SESSION_STATE', `A ${from} session cannot be ${action}`, { status: from }),
  notLive: (status: string) => new AppError('conflict', 'SESSION_NOT_LIVE', status === 'scheduled' ? 'The session has not started yet' : `The session is ${status}`, { status }),
  tooEarly: (opensAt: string) => new AppError('conflict', 'TOO_EARLY_TO_START', `The session can be started from ${opensAt}`, { opensAt }),
  tooLate: () => new AppError('conflict', 'SESSION_OVER', 'The session\'s scheduled end has passed; cancel it or move it'),
  /** Students present fill every seat (seed 004 §4: max_participants). */
  full: (max: number) => new AppError('conflict', 'SESSION_FULL', `This session is full (${max} participants)`, { maxParticipants: max }),
  notPresent: () => new AppError('conflict', 'NOT_PRESENT', 'You are not in the session (any more); join again'),
  invalidSchedule: (message: string) => new AppError('validation', 'INVALID_SCHEDULE', message),
  notEditable: (field: string, status: string) => new AppError('conflict', 'NOT_EDITABLE', `${field} cannot change on a ${status} session`, { field, status }),
  capacityBelowPresent: (present: number) =>
    new AppError('conflict', 'CAPACITY_BELOW_PRESENT', `${present} students are present; the capacity cannot go below`, { present }),
  messageNotFound: () => new AppError('not_found', 'CHAT_MESSAGE_NOT_FOUND', 'No such chat message'),
  invalidReply: (message: string) => new AppError('validation', 'INVALID_REPLY', message),
  notAQuestion: () => new AppError('conflict', 'NOT_A_QUESTION', 'Only questions can be marked answered'),
  chatRateLimited: (retryAfterSeconds: number) =>
    new AppError('rate_limited', 'RATE_LIMITED', `Too many messages; try again in ${retryAfterSeconds} s`, { retryAfterSeconds }),
  webhookOff: () => new AppError('not_found', 'WEBHOOK_NOT_CONFIGURED', 'This webhook is not configured'),
  badSignature: () => new AppError('unauthenticated', 'INVALID_SIGNATURE', 'The webhook signature is missing, stale or wrong'),
  badWebhook: (message: string) => new AppError('validation', 'INVALID_WEBHOOK', message),
} as const;
