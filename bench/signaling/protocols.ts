/**
 * How a client speaks to each server. The three carry the same SDP and ICE candidate payloads,
 * each in its own envelope:
 *
 * - ours (DESIGN 4.3): `/ws/signaling?token&sessionId`; admitted when `participant-list` arrives;
 *   `{type:'offer'|'answer', toUserId, sdp}`, `{type:'ice-candidate', toUserId, candidate}`;
 *   relayed with `fromUserId`; `{type:'heartbeat'}` every 15 s.
 * - bare: `?room&userId`; ready on open; the same frames as ours, relayed with `fromUserId`.
 * - peerjs (the `peerjs` client library's wire format): `/peerjs?key&id&token&version`; ready on
 *   `OPEN`; `{type:'OFFER'|'ANSWER', payload:{sdp:{type,sdp}, type:'media', connectionId, ...}, dst}`,
 *   `{type:'CANDIDATE', payload:{candidate, type:'media', connectionId}, dst}`; relayed with
 *   `src`; `{type:'HEARTBEAT'}` every 5 s (the client library's default `pingInterval`).
 */

export type ServerKind = 'ours' | 'bare' | 'peerjs';

/** An `RTCIceCandidateInit` as browsers send it. */
export interface CandidateInit {
  candidate: string;
  sdpMid: string;
  sdpMLineIndex: number;
  usernameFragment: string;
}

/** A frame received by a client, reduced to what the load generator checks. */
export type Received =
  | { kind: 'ready'; participants: string[] | null }
  | { kind: 'offer' | 'answer'; from: string; to: string; sdp: string }
  | { kind: 'candidate'; from: string; to: string; candidate: string }
  | { kind: 'error'; code: string }
  | { kind: 'other'; type: string };

export interface Protocol {
  kind: ServerKind;
  url(base: string, sessionId: string, userId: string, token: string): string;
  /** True when the socket counts as admitted as soon as it opens (no admission frame). */
  readyOnOpen: boolean;
  offer(from: string, to: string, sdp: string): string;
  answer(from: string, to: string, sdp: string): string;
  /**
   * The relayed-candidate frame split around the candidate's foundation, so that the sender only
   * concatenates `before + foundation + after` per message.
   */
  candidateParts(from: string, to: string, candidateAfterFoundation: string, sdpMid: string, sdpMLineIndex: number, ufrag: string): { before: string; after: string };
  heartbeat: { frame: string; everyMs: number } | null;
  decode(msg: Record<string, unknown>): Received;
}

const j = JSON.stringify;

/** The candidate object's JSON split at the foundation: `{"candidate":"candidate:` … `…","sdpMid":…}`. */
function candidateJson(rest: string, sdpMid: string, sdpMLineIndex: number, ufrag: string): { before: string; after: string } {
  const marker = 'FOUNDATION';
  const whole = j({ candidate: `candidate:${marker}${rest}`, sdpMid, sdpMLineIndex, usernameFragment: ufrag });
  const at = whole.indexOf(marker);
  return { before: whole.slice(0, at), after: whole.slice(at + marker.length) };
}

const ours: Protocol = {
  kind: 'ours',
  url: (base, sessionId, _userId, token) => `${base}/ws/signaling?token=${encodeURIComponent(token)}&sessionId=${encodeURIComponent(sessionId)}`,
  readyOnOpen: false,
  offer: (_from, to, sdp) => j({ type: 'offer', toUserId: to, sdp }),
  answer: (_from, to, sdp) => j({ type: 'answer', toUserId: to, sdp }),
  candidateParts: (_from, to, rest, sdpMid, index, ufrag) => {
    const c = candidateJson(rest, sdpMid, index, ufrag);
    return { before: `{"type":"ice-candidate","toUserId":${j(to)},"candidate":${c.before}`, after: `${c.after}}` };
  },
  heartbeat: { frame: j({ type: 'heartbeat' }), everyMs: 15_000 },
  decode: (msg) => {
    switch (msg.type) {
      case 'ice-candidate':
        return { kind: 'candidate', from: msg.fromUserId as string, to: msg.toUserId as string, candidate: (msg.candidate as { candidate: string }).candidate };
      case 'offer':
      case 'answer':
        return { kind: msg.type, from: msg.fromUserId as string, to: msg.toUserId as string, sdp: msg.sdp as string };
      case 'participant-list':
        return { kind: 'ready', participants: (msg.participants as { userId: string }[]).map((p) => p.userId) };
      case 'error':
        return { kind: 'error', code: String(msg.code) };
      default:
        return { kind: 'other', type: String(msg.type) };
    }
  },
};

const bare: Protocol = {
  ...ours,
  kind: 'bare',
  url: (base, sessionId, userId) => `${base}/?room=${encodeURIComponent(sessionId)}&userId=${encodeURIComponent(userId)}`,
  readyOnOpen: true,
  heartbeat: null,
};

/** PeerJS media-connection ids look like `mc_` + 10 random characters; one per peer pair. */
function connectionId(from: string, to: string): string {
  const a = from < to ? `${from}|${to}` : `${to}|${from}`;
  let h = 0;
  for (let i = 0; i < a.length; i++) h = (h * 31 + a.charCodeAt(i)) >>> 0;
  return `mc_${h.toString(36).padStart(10, '0').slice(-10)}`;
}

const peerjs: Protocol = {
  kind: 'peerjs',
  url: (base, _sessionId, userId, token) => `${base}/peerjs?key=peerjs&id=${encodeURIComponent(userId)}&token=${encodeURIComponent(token)}&version=1.5.4`,
  readyOnOpen: false,
  offer: (from, to, sdp) =>
    j({ type: 'OFFER', payload: { sdp: { type: 'offer', sdp }, type: 'media', connectionId: connectionId(from, to), metadata: null, browser: 'chrome' }, dst: to }),
  answer: (from, to, sdp) => j({ type: 'ANSWER', payload: { sdp: { type: 'answer', sdp }, type: 'media', connectionId: connectionId(from, to), browser: 'chrome' }, dst: to }),
  candidateParts: (from, to, rest, sdpMid, index, ufrag) => {
    const c = candidateJson(rest, sdpMid, index, ufrag);
    return { before: `{"type":"CANDIDATE","payload":{"candidate":${c.before}`, after: `${c.after},"type":"media","connectionId":${j(connectionId(from, to))}},"dst":${j(to)}}` };
  },
  heartbeat: { frame: j({ type: 'HEARTBEAT' }), everyMs: 5_000 },
  decode: (msg) => {
    const payload = msg.payload as Record<string, unknown> | undefined;
    switch (msg.type) {
      case 'CANDIDATE':
        return { kind: 'candidate', from: msg.src as string, to: msg.dst as string, candidate: (payload!.candidate as { candidate: string }).candidate };
      case 'OFFER':
      case 'ANSWER':
        return { kind: msg.type === 'OFFER' ? 'offer' : 'answer', from: msg.src as string, to: msg.dst as string, sdp: (payload!.sdp as { sdp: string }).sdp };
      case 'OPEN':
        return { kind: 'ready', participants: null };
      case 'ERROR':
      case 'ID-TAKEN':
        return { kind: 'error', code: `${String(msg.type)}: ${String((payload as { msg?: string } | undefined)?.msg ?? '')}` };
      default:
        return { kind: 'other', type: String(msg.type) };
    }
  },
};

export const PROTOCOLS: Record<ServerKind, Protocol> = { ours, bare, peerjs };
