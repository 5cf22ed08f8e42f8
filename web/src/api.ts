import type {
  AdminListSlotsQuery,
  AdminSlot,
  AuthConfig,
  CompleteRecordingBody,
  ConsentBody,
  CreateSessionBody,
  CreateSlotBody,
  DevToken,
  DevTokenBody,
  ErrorBody,
  HistoryItem,
  IceServersResponse,
  JoinSessionBody,
  Page,
  PartUrl,
  PartUrlBody,
  PatchSlotBody,
  Rating,
  RatingBody,
  Recording,
  Registration,
  Session,
  SessionParticipant,
  SessionRecordings,
  Slot,
  StartRecordingBody,
  StartedRecording,
  TicketRequest,
  TicketResponse,
  User,
} from './types.ts';

/** An error answered by the API (`{ error: { code, message } }`) or a network failure. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
    /** From `Retry-After` on 429 answers: how long to wait before trying again, in seconds. */
    readonly retryAfterSeconds?: number,
    /** The error body's `details` (e.g. `{ limit: 3 }`), which some translated sentences quote. */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const TOKEN_KEY = 'conversation.token';

/** The bearer token kept in localStorage. */
export const tokenStore = {
  get: (): string | null => localStorage.getItem(TOKEN_KEY),
  set: (token: string): void => localStorage.setItem(TOKEN_KEY, token),
  clear: (): void => localStorage.removeItem(TOKEN_KEY),
};

type Query = Record<string, string | number | undefined | null>;

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/** Attempts of an idempotent POST: the first, then retries with the same `Idempotency-Key`. */
const IDEMPOTENT_ATTEMPTS = 3;

/**
 * Calls the API with the stored token and parses JSON.
 * With `idempotent`, the request carries an `Idempotency-Key` (one per call) and is retried with
 * the same key when the network failed or the service answered 503 (after its `Retry-After`, 5 s
 * at most): the service runs it once and answers every retry as it answered the first (issue 13),
 * so a registration whose answer was lost is not refused as a duplicate.
 * @throws ApiError with the body's code/message, or `NETWORK_ERROR` when the request failed.
 */
export async function request<T>(
  method: string,
  path: string,
  opts: { body?: unknown; query?: Query; token?: string | null; idempotent?: boolean } = {},
): Promise<T> {
  const token = opts.token === undefined ? tokenStore.get() : opts.token;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.idempotent) headers['idempotency-key'] = crypto.randomUUID();
  const attempts = opts.idempotent ? IDEMPOTENT_ATTEMPTS : 1;
  let res: Response | null = null;
  for (let attempt = 1; ; attempt++) {
    let waitSeconds = 1;
    try {
      res = await fetch(withQuery(path, opts.query), {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      });
      if (res.status !== 503 || attempt >= attempts) break;
      const retryAfter = Number(res.headers.get('retry-after'));
      if (Number.isFinite(retryAfter) && retryAfter > 0) waitSeconds = Math.min(retryAfter, 5);
    } catch (err) {
      if (attempt >= attempts) throw new ApiError(0, 'NETWORK_ERROR', `Cannot reach the server (${(err as Error).message})`);
    }
    await new Promise((resolve) => setTimeout(resolve, waitSeconds * 1000));
  }
  const text = await res.text();
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    // A proxy in front of the service may answer with another body (or none).
    const e = (data as Partial<ErrorBody> | null)?.error;
    const retryAfterSeconds = Number(res.headers.get('retry-after'));
    throw new ApiError(
      res.status,
      e?.code ?? `HTTP_${res.status}`,
      e?.message ?? (res.statusText || 'Request failed'),
      e?.requestId,
      Number.isFinite(retryAfterSeconds) && retryAfterSeconds > 0 ? retryAfterSeconds : undefined,
      e?.details && typeof e.details === 'object' ? (e.details as Record<string, unknown>) : undefined,
    );
  }
  return data as T;
}

/** Filters of `GET /api/slots` the slot list offers (`from`/`to`: ISO 8601 bounds of the start). */
export interface SlotFilters {
  targetLanguageCode?: string;
  level?: string;
  from?: string;
  to?: string;
}

/**
 * Typed wrappers of the REST routes the client uses (DESIGN 4.2); bodies are checked against the
 * wire's types at compile time.
 * @throws ApiError from every call (see `request`).
 */
export const api = {
  authConfig: () => request<AuthConfig>('GET', '/api/auth/config', { token: null }),
  devToken: (name: string, admin: boolean, instructor = false) =>
    request<DevToken>('POST', '/api/dev/token', { body: { name, admin, instructor } satisfies DevTokenBody, token: null }),
  me: (token?: string) => request<User>('GET', '/api/me', { token }),

  listSlots: (filters: SlotFilters, cursor?: string | null, limit = 20) =>
    request<Page<Slot>>('GET', '/api/slots', { query: { ...filters, cursor, limit } }),
  createSlot: (slot: CreateSlotBody) => request<Slot>('POST', '/api/slots', { body: slot }),
  /** Admin: upcoming slots, active or not, with registrations, capacity and series (`GET /api/admin/slots`). */
  adminSlots: (query: AdminListSlotsQuery) => request<Page<AdminSlot>>('GET', '/api/admin/slots', { query: { ...query } }),
  /** Admin: edits a slot while its registration is open, or (de)activates it (`PATCH /api/slots/{id}`). */
  updateSlot: (id: string, patch: PatchSlotBody) => request<Slot>('PATCH', `/api/slots/${encodeURIComponent(id)}`, { body: patch }),
  register: (slotId: string) => request<Registration>('POST', `/api/slots/${encodeURIComponent(slotId)}/registrations`, { body: {}, idempotent: true }),

  listRegistrations: (cursor?: string | null) => request<Page<Registration>>('GET', '/api/registrations', { query: { cursor } }),
  cancelRegistration: (id: string) => request<unknown>('DELETE', `/api/registrations/${encodeURIComponent(id)}`),

  /** The caller's joinable session, or `null` when the server answers `NO_CURRENT_SESSION`. */
  currentSession: async (): Promise<Session | null> => {
    try {
      return await request<Session>('GET', '/api/sessions/current');
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return null;
      throw err;
    }
  },
  getSession: (id: string) => request<Session>('GET', sessionPath(id)),
  participants: (id: string) => request<{ items: SessionParticipant[] }>('GET', sessionPath(id, 'participants')),
  leaveSession: (id: string) => request<Session>('POST', sessionPath(id, 'leave'), { body: {} }),

  /** Creates a private session; the caller becomes its host (seed 002 AC2). */
  createPrivateSession: (input: CreateSessionBody) => request<Session>('POST', '/api/sessions', { body: input, idempotent: true }),
  /** Joins a private session by its invite code (201 new member, 200 already a member). */
  joinByCode: (inviteCode: string, recordingConsent: boolean) =>
    request<Session>('POST', '/api/sessions/join', { body: { inviteCode, recordingConsent } satisfies JoinSessionBody }),
  startSession: (id: string) => request<Session>('POST', sessionPath(id, 'start'), { body: {} }),
  endSession: (id: string) => request<Session>('POST', sessionPath(id, 'end'), { body: {} }),
  setConsent: (id: string, recordingConsent: boolean) => request<Session>('POST', sessionPath(id, 'consent'), { body: { recordingConsent } satisfies ConsentBody }),

  history: (cursor?: string | null, limit = 10) => request<Page<HistoryItem>>('GET', '/api/sessions/history', { query: { cursor, limit } }),
  rate: (id: string, rating: number, comment?: string) =>
    request<Rating>('POST', sessionPath(id, 'rating'), { body: (comment ? { rating, comment } : { rating }) satisfies RatingBody }),

  /** A single-use ticket for one signaling connection, so the JWT stays out of URLs. */
  signalingTicket: (sessionId: string) => request<TicketResponse>('POST', '/api/signaling/tickets', { body: { sessionId } satisfies TicketRequest }),
  iceServers: () => request<IceServersResponse>('GET', '/api/ice-servers'),

  /** Starts recording my own microphone in an active session (consent given first). */
  startRecording: (sessionId: string, contentType: string) =>
    request<StartedRecording>('POST', sessionPath(sessionId, 'recordings'), { body: { contentType } satisfies StartRecordingBody }),
  /** A signed URL to PUT chunk `partNumber` to. */
  recordingPartUrl: (recordingId: string, partNumber: number) =>
    request<PartUrl>('POST', recordingPath(recordingId, 'parts'), { body: { partNumber } satisfies PartUrlBody }),
  completeRecording: (recordingId: string, body: CompleteRecordingBody) => request<Recording>('POST', recordingPath(recordingId, 'complete'), { body }),
  abortRecording: (recordingId: string) => request<{ id: string; status: 'aborted' }>('POST', recordingPath(recordingId, 'abort'), { body: {} }),
  /** My recordings, newest first, with download URLs. */
  myRecordings: (cursor?: string | null, limit = 50) => request<Page<Recording>>('GET', '/api/recordings', { query: { cursor, limit } }),
  sessionRecordings: (sessionId: string) => request<SessionRecordings>('GET', sessionPath(sessionId, 'recordings')),
};

function recordingPath(id: string, action: string): string {
  return `/api/recordings/${encodeURIComponent(id)}/${action}`;
}

function sessionPath(id: string, action?: string): string {
  return `/api/sessions/${encodeURIComponent(id)}${action ? `/${action}` : ''}`;
}
