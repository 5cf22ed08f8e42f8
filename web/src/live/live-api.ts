import { request } from '../api.ts';
import type {
  CalendarEventList,
  CalendarFeed,
  ChatMessage,
  ChatPage,
  CourseList,
  CreateLiveSessionBody,
  CreatedLiveSessions,
  JitsiClientConfig,
  JitsiTokenResult,
  JoinLiveSessionResult,
  LiveSession,
  LiveSessionList,
  LiveSessionStats,
  PostChatBody,
  PresenceResult,
  UpdateLiveSessionBody,
} from '../types.ts';

const s = (id: string, action?: string) => `/api/live-sessions/${encodeURIComponent(id)}${action ? `/${action}` : ''}`;
const c = (id: string, action?: string) => `/api/courses/${encodeURIComponent(id)}${action ? `/${action}` : ''}`;

/**
 * Typed wrappers of the live-course and calendar routes (DESIGN 4.9); bodies are checked against
 * the wire's types at compile time. @throws ApiError from every call (see `request`).
 */
export const liveApi = {
  myCourses: () => request<CourseList>('GET', '/api/courses/mine'),
  courseSessions: (courseId: string) => request<LiveSessionList>('GET', c(courseId, 'live-sessions')),
  createSessions: (courseId: string, body: CreateLiveSessionBody) => request<CreatedLiveSessions>('POST', c(courseId, 'live-sessions'), { body }),
  mySessions: (status: 'upcoming' | 'live' | 'past') => request<LiveSessionList>('GET', '/api/live-sessions', { query: { status } }),
  session: (id: string) => request<LiveSession>('GET', s(id)),
  update: (id: string, body: UpdateLiveSessionBody) => request<LiveSession>('PATCH', s(id), { body }),
  cancel: (id: string, reason: string) => request<LiveSession>('POST', s(id, 'cancel'), { body: { reason } }),
  start: (id: string) => request<{ session: LiveSession }>('POST', s(id, 'start'), { body: {} }),
  end: (id: string) => request<{ session: LiveSession }>('POST', s(id, 'end'), { body: {} }),
  join: (id: string) => request<JoinLiveSessionResult>('POST', s(id, 'join'), { body: {} }),
  leave: (id: string) => request<PresenceResult>('POST', s(id, 'leave'), { body: {} }),
  heartbeat: (id: string) => request<PresenceResult>('POST', s(id, 'heartbeat'), { body: {} }),
  jitsiToken: (id: string) => request<JitsiTokenResult>('POST', s(id, 'jitsi-token'), { body: {} }),
  jitsiConfig: () => request<JitsiClientConfig>('GET', '/api/jitsi/config'),
  stats: (id: string) => request<LiveSessionStats>('GET', s(id, 'stats')),
  chat: (id: string, after = 0) => request<ChatPage>('GET', s(id, 'chat'), { query: { after } }),
  post: (id: string, body: PostChatBody) => request<ChatMessage>('POST', s(id, 'chat'), { body }),
  markAnswered: (id: string, messageId: string, answered: boolean) =>
    request<ChatMessage>('POST', `${s(id, 'chat')}/${encodeURIComponent(messageId)}/answered`, { body: { answered } }),
  deleteMessage: (id: string, messageId: string) => request<ChatMessage>('DELETE', `${s(id, 'chat')}/${encodeURIComponent(messageId)}`),

  calendarEvents: (start: string, end: string) => request<CalendarEventList>('GET', '/api/calendar/events', { query: { start, end } }),
  calendarFeed: () => request<CalendarFeed>('GET', '/api/calendar/feed'),
  rotateFeed: () => request<CalendarFeed>('POST', '/api/calendar/feed/rotate', { body: {} }),
};
