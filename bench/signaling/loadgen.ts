/**
 * Load generator (a child process of `run.ts`): real `ws` clients, four per session, each a
 * distinct user.
 *
 * 1. `connect`: sessions join with bounded concurrency; inside a session the members join one
 *    after the other, as people do. Each newcomer, once admitted, sends an offer (a real Chrome
 *    SDP, ~5 KB) to every member already there and trickles ICE candidates to them; each member
 *    that receives an offer answers (a real Chrome answer) and trickles its own candidates.
 *    Connect time = `new WebSocket` → admitted (ours: `participant-list`; PeerJS: `OPEN`; bare:
 *    open). Mesh time = first member's connect → every offer, answer and candidate of the session
 *    delivered.
 * 2. `phase`: an open-loop stream of ICE-candidate frames at a target aggregate rate, spread
 *    round-robin over every directed pair of every session (so every socket sends rate/sockets
 *    per second). Each candidate carries, in its own fields, the send time in µs (foundation),
 *    the sender (host address) and the addressee (port) and the phase (generation): the receiver
 *    checks that the frame reached the right socket with the right `fromUserId`/`src`, and
 *    records send → receive latency on the monotonic clock (`performance.now()`, hrtime-based;
 *    sender and receiver live in this process).
 * 3. `close`: every client closes (1000).
 */
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { Histogram, type HistogramData } from './histogram.ts';
import { serve } from './ipc.ts';
import { PROTOCOLS, type Protocol, type ServerKind } from './protocols.ts';

const OFFER_SDP = fs.readFileSync(new URL('./fixtures/chrome-offer.sdp', import.meta.url), 'utf8');
const ANSWER_SDP = fs.readFileSync(new URL('./fixtures/chrome-answer.sdp', import.meta.url), 'utf8');
const UFRAG = 'w+6h';

export interface LoadgenInit {
  kind: ServerKind;
  url: string;
  /** This process's sessions. */
  sessions: { id: string; users: { id: string; token: string }[] }[];
  /** Global index of this process's first session (socket indices are global). */
  firstSession: number;
  members: number;
  /** ICE candidates each side sends per peer pair during setup. */
  icePerSide: number;
  connectConcurrency: number;
}

export interface ConnectResult {
  connectMs: number[];
  meshMs: number[];
  sockets: number;
  failedSockets: number;
  failedMeshes: number;
  /** ours only: `participant-list` not listing exactly the members already connected. */
  listMismatches: number;
  counters: Counters;
  spanMs: number;
}

export interface PhaseResult {
  id: number;
  rate: number;
  sent: number;
  received: number;
  /** Sends skipped because the generator fell more than 200 ms behind its schedule. */
  behindSkipped: number;
  /** Sends skipped because the sender's socket was closed. */
  closedSkipped: number;
  sendSpanMs: number;
  /** First send → last receive. */
  deliverSpanMs: number;
  hist: HistogramData;
  cpuUs: number;
  /** Event-loop utilisation of the generator during the phase (1 = saturated). */
  elu: number;
  counters: Counters;
}

/** Anomalies, cumulative; results carry the delta of their step. */
export interface Counters {
  misdelivered: number;
  corruptedSdp: number;
  badFrames: number;
  errorFrames: Record<string, number>;
  unexpectedCloses: Record<string, number>;
  other: Record<string, number>;
}

interface Client {
  idx: number;
  id: string;
  token: string;
  member: number;
  session: SessionState;
  ws: WebSocket | null;
  ready: boolean;
  closedByUs: boolean;
  onReady: ((participants: string[] | null) => void) | null;
  onFail: ((why: string) => void) | null;
}

interface SessionState {
  id: string;
  clients: Client[];
  pendingSetup: number;
  onMeshDone: (() => void) | null;
}

interface Pair {
  from: Client;
  to: Client;
  before: string;
  after: string;
}

interface PhaseState {
  received: number;
  hist: Histogram;
  lastRecvMs: number;
}

let init: LoadgenInit;
let proto: Protocol;
const clients = new Map<number, Client>();
const sessions: SessionState[] = [];
const phases = new Map<number, PhaseState>();
const counters: Counters = { misdelivered: 0, corruptedSdp: 0, badFrames: 0, errorFrames: {}, unexpectedCloses: {}, other: {} };
let heartbeatTimer: NodeJS.Timeout | null = null;

const nowUs = (): number => Math.round(performance.now() * 1000);
const bump = (map: Record<string, number>, key: string): void => {
  map[key] = (map[key] ?? 0) + 1;
};

/** Candidate text after the foundation: host address = sender index, port = addressee index, generation = phase. */
function candidateRest(from: Client, to: Client, phase: number): string {
  return ` 1 udp 2122194687 10.${(from.idx >> 8) & 255}.${from.idx & 255}.1 ${10000 + to.idx} typ host generation ${phase} ufrag ${UFRAG} network-id 1 network-cost 10`;
}

function sendCandidate(from: Client, to: Client, phase: number): void {
  const parts = proto.candidateParts(from.id, to.id, candidateRest(from, to, phase), '0', 0, UFRAG);
  from.ws!.send(parts.before + nowUs() + parts.after);
}

function snapshot(): Counters {
  return structuredClone(counters);
}

function diff(now: Counters, before: Counters): Counters {
  const d = (a: Record<string, number>, b: Record<string, number>) =>
    Object.fromEntries(Object.entries(a).flatMap(([k, v]) => (v - (b[k] ?? 0) ? [[k, v - (b[k] ?? 0)]] : [])));
  return {
    misdelivered: now.misdelivered - before.misdelivered,
    corruptedSdp: now.corruptedSdp - before.corruptedSdp,
    badFrames: now.badFrames - before.badFrames,
    errorFrames: d(now.errorFrames, before.errorFrames),
    unexpectedCloses: d(now.unexpectedCloses, before.unexpectedCloses),
    other: d(now.other, before.other),
  };
}

function onFrame(c: Client, data: WebSocket.RawData): void {
  let msg: Record<string, unknown>;
  try {
    msg = JSON.parse(data.toString());
  } catch {
    counters.badFrames++;
    return;
  }
  const r = proto.decode(msg);
  switch (r.kind) {
    case 'candidate': {
      const recvUs = performance.now() * 1000;
      const parts = r.candidate.split(' ');
      const ip = parts[4]?.split('.') ?? [];
      const sender = clients.get((Number(ip[1]) << 8) | Number(ip[2]));
      if (r.to !== c.id || Number(parts[5]) - 10000 !== c.idx || !sender || sender.id !== r.from || sender.session !== c.session) {
        counters.misdelivered++;
        return;
      }
      const phase = Number(parts[9]);
      if (phase === 0) {
        setupReceipt(c.session);
        return;
      }
      const ph = phases.get(phase);
      if (!ph) {
        bump(counters.other, 'candidate of an unknown phase');
        return;
      }
      ph.received++;
      ph.hist.record(recvUs - Number(parts[0].slice(10)));
      ph.lastRecvMs = recvUs / 1000;
      return;
    }
    case 'offer':
    case 'answer': {
      const sender = c.session.clients.find((x) => x.id === r.from);
      if (r.to !== c.id || !sender) {
        counters.misdelivered++;
        return;
      }
      if (r.sdp.length !== (r.kind === 'offer' ? OFFER_SDP : ANSWER_SDP).length) counters.corruptedSdp++;
      if (r.kind === 'offer') {
        c.ws!.send(proto.answer(c.id, sender.id, ANSWER_SDP));
        for (let i = 0; i < init.icePerSide; i++) sendCandidate(c, sender, 0);
      }
      setupReceipt(c.session);
      return;
    }
    case 'ready':
      c.ready = true;
      c.onReady?.(r.participants);
      return;
    case 'error':
      bump(counters.errorFrames, r.code);
      return;
    case 'other':
      if (r.type !== 'participant-joined' && r.type !== 'heartbeat-ack') bump(counters.other, r.type);
      return;
  }
}

function setupReceipt(s: SessionState): void {
  s.pendingSetup--;
  if (s.pendingSetup === 0) s.onMeshDone?.();
}

/** Opens one client's socket; resolves with the connect time and the participants it was told about. */
function connect(c: Client): Promise<{ ms: number; participants: string[] | null }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => c.onFail?.('no admission within 30 s'), 30_000);
    c.onReady = (participants) => {
      clearTimeout(timer);
      c.onReady = null;
      c.onFail = null;
      resolve({ ms: performance.now() - t0, participants });
    };
    c.onFail = (why) => {
      clearTimeout(timer);
      c.onReady = null;
      c.onFail = null;
      reject(new Error(why));
    };
    const ws = new WebSocket(proto.url(init.url, c.session.id, c.id, c.token), { perMessageDeflate: false });
    c.ws = ws;
    ws.on('open', () => {
      if (proto.readyOnOpen) {
        c.ready = true;
        c.onReady?.(null);
      }
    });
    ws.on('message', (data) => onFrame(c, data));
    ws.on('close', (code) => {
      c.ready = false;
      if (!c.closedByUs) bump(counters.unexpectedCloses, String(code));
      c.onFail?.(`closed ${code} before admission`);
    });
    ws.on('error', () => undefined); // `close` follows
  });
}

async function setUpSession(s: SessionState, out: ConnectResult): Promise<void> {
  const t0 = performance.now();
  const meshDone = new Promise<void>((resolve) => {
    s.onMeshDone = resolve;
  });
  for (const c of s.clients) {
    let admitted;
    try {
      admitted = await connect(c);
    } catch {
      out.failedSockets++;
      continue;
    }
    out.connectMs.push(admitted.ms);
    const earlier = s.clients.filter((x) => x.member < c.member && x.ready);
    if (admitted.participants) {
      const listed = new Set(admitted.participants);
      if (listed.size !== earlier.length || earlier.some((x) => !listed.has(x.id))) out.listMismatches++;
    }
    for (const other of earlier) {
      c.ws!.send(proto.offer(c.id, other.id, OFFER_SDP));
      for (let i = 0; i < init.icePerSide; i++) sendCandidate(c, other, 0);
    }
  }
  let timer: NodeJS.Timeout | undefined;
  const done = await Promise.race([meshDone.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 30_000)))]);
  clearTimeout(timer);
  if (done) out.meshMs.push(performance.now() - t0);
  else out.failedMeshes++;
}

function startHeartbeats(): void {
  const hb = proto.heartbeat;
  if (!hb) return;
  const periodS = Math.round(hb.everyMs / 1000);
  let tick = 0;
  heartbeatTimer = setInterval(() => {
    tick++;
    for (const c of clients.values()) {
      if (c.idx % periodS === tick % periodS && c.ready && c.ws?.readyState === WebSocket.OPEN) c.ws.send(hb.frame);
    }
  }, 1000);
}

async function runConnect(): Promise<ConnectResult> {
  const out: ConnectResult = { connectMs: [], meshMs: [], sockets: clients.size, failedSockets: 0, failedMeshes: 0, listMismatches: 0, counters: snapshot(), spanMs: 0 };
  const before = snapshot();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(init.connectConcurrency, sessions.length) }, async () => {
      while (next < sessions.length) await setUpSession(sessions[next++], out);
    }),
  );
  out.spanMs = performance.now() - t0;
  startHeartbeats();
  out.counters = diff(snapshot(), before);
  return out;
}

/** Every directed pair, interleaved across sessions so that consecutive sends hit different sockets. */
function directedPairs(phase: number): Pair[] {
  const pairs: Pair[] = [];
  const m = init.members;
  for (let a = 0; a < m; a++) {
    for (let d = 1; d < m; d++) {
      for (const s of sessions) {
        const from = s.clients[a];
        const to = s.clients[(a + d) % m];
        pairs.push({ from, to, ...proto.candidateParts(from.id, to.id, candidateRest(from, to, phase), '0', 0, UFRAG) });
      }
    }
  }
  return pairs;
}

let cursor = 0;

async function runPhase({ id, rate, durationMs }: { id: number; rate: number; durationMs: number }): Promise<PhaseResult> {
  const pairs = directedPairs(id);
  const ph: PhaseState = { received: 0, hist: new Histogram(), lastRecvMs: 0 };
  phases.set(id, ph);
  const before = snapshot();
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  let sent = 0;
  let behindSkipped = 0;
  let closedSkipped = 0;
  const maxBacklog = Math.max(1, Math.floor(rate * 0.2));
  const start = performance.now();
  let lastSend = start;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const elapsed = Math.min(now - start, durationMs);
      let due = Math.floor((elapsed * rate) / 1000) - sent - closedSkipped - behindSkipped;
      if (due > maxBacklog) {
        behindSkipped += due - maxBacklog;
        due = maxBacklog;
      }
      for (let n = 0; n < due; n++) {
        const p = pairs[cursor];
        cursor = (cursor + 1) % pairs.length;
        const ws = p.from.ws;
        if (!ws || ws.readyState !== WebSocket.OPEN || !p.to.ready) {
          closedSkipped++;
          continue;
        }
        ws.send(p.before + nowUs() + p.after);
        sent++;
      }
      if (due > 0) lastSend = performance.now();
      if (now - start >= durationMs) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  // Drain: until everything arrived, or nothing arrived for 2 s (10 s at most).
  const drainStart = performance.now();
  let lastCount = -1;
  let lastProgress = drainStart;
  while (ph.received < sent && performance.now() - drainStart < 10_000) {
    if (ph.received !== lastCount) {
      lastCount = ph.received;
      lastProgress = performance.now();
    } else if (performance.now() - lastProgress > 2_000) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0);
  phases.delete(id); // late frames of this phase now count as `other`
  return {
    id,
    rate,
    sent,
    received: ph.received,
    behindSkipped,
    closedSkipped,
    sendSpanMs: lastSend - start,
    deliverSpanMs: Math.max(ph.lastRecvMs - start, 0),
    hist: ph.hist.toJSON(),
    cpuUs: cpu.user + cpu.system,
    elu: elu.utilization,
    counters: diff(snapshot(), before),
  };
}

async function runClose(): Promise<{ closed: number; counters: Counters }> {
  if (heartbeatTimer) clearInterval(heartbeatTimer);
  const before = snapshot();
  const waits: Promise<void>[] = [];
  for (const c of clients.values()) {
    c.closedByUs = true;
    const ws = c.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) continue;
    waits.push(new Promise<void>((resolve) => ws.once('close', () => resolve())));
    ws.close(1000);
  }
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(waits), new Promise((r) => (timer = setTimeout(r, 10_000)))]);
  clearTimeout(timer);
  return { closed: waits.length, counters: diff(snapshot(), before) };
}

serve({
  init: (body: LoadgenInit) => {
    init = body;
    proto = PROTOCOLS[body.kind];
    body.sessions.forEach((s, i) => {
      const state: SessionState = { id: s.id, clients: [], pendingSetup: body.members * (body.members - 1) * (1 + body.icePerSide), onMeshDone: null };
      s.users.forEach((u, m) => {
        const c: Client = {
          idx: (body.firstSession + i) * body.members + m,
          id: u.id,
          token: u.token,
          member: m,
          session: state,
          ws: null,
          ready: false,
          closedByUs: false,
          onReady: null,
          onFail: null,
        };
        state.clients.push(c);
        clients.set(c.idx, c);
      });
      sessions.push(state);
    });
    return null;
  },
  connect: () => runConnect(),
  phase: (body: { id: number; rate: number; durationMs: number }) => runPhase(body),
  close: () => runClose(),
  exit: () => {
    setTimeout(() => process.exit(0), 20);
    return null;
  },
});
