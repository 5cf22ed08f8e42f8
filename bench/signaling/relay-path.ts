/**
 * The JavaScript cost of relaying one ICE candidate, without sockets or syscalls: the service's
 * `SignalingService` (fake sockets, in-memory state, no database on this path) against the bare
 * relay's handler (JSON.parse, add `fromUserId`, JSON.stringify), on the same frame, in the same
 * process. `run.ts` measures whole servers; this isolates what the service adds per message, so
 * that a change to the relay path can be checked in seconds.
 *
 *   npx tsx bench/signaling/relay-path.ts            # N=500000 frames per variant, 5 rounds
 */
import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import { SpeakingLedger } from '../../src/modules/sessions/speaking-ledger.ts';
import { SignalingService } from '../../src/modules/signaling/signaling.service.ts';
import type { SignalingAdmission, SignalingSessions } from '../../src/modules/signaling/signaling.ports.ts';
import { systemClock } from '../../src/shared/clock.ts';

const N = Number(process.env.N ?? 500_000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);

/** Stands in for a `ws` socket: counts what the service sends. */
class FakeSocket extends EventEmitter {
  readyState = 1;
  sent = 0;
  bytes = 0;
  send(data: string): void {
    this.sent++;
    this.bytes += data.length;
  }
  close(): void {
    this.readyState = 3;
  }
  terminate(): void {
    this.readyState = 3;
  }
  ping(): void {}
}

const noop = () => undefined;
const sessions: SignalingSessions = {
  authorizeSignaling: () => Promise.reject(new Error('not used')),
  markConnected: () => Promise.resolve(),
  markDropped: () => Promise.resolve(),
  markLeft: () => Promise.resolve(),
  setMediaState: () => Promise.resolve(),
  addSpeakingTime: () => Promise.resolve(),
  onChange: () => noop,
};
const service = new SignalingService({
  sessions,
  ledger: new SpeakingLedger(),
  clock: systemClock,
  rules: { reconnectWindowMs: 30_000, heartbeatTimeoutMs: 30_000 },
  logger: { info: noop, warn: noop, error: noop, debug: noop },
  // The per-connection budget is not what is measured here.
  limits: { burst: 1e12, perSecond: 1e12 },
});

const sessionId = '6f1d2a4e-8c1b-4d7e-9a55-0b7f3c2e9d10';
const admission = (userId: string): SignalingAdmission => ({
  session: { id: sessionId, status: 'active', startedAt: new Date().toISOString(), endsAt: null },
  participant: { userId, displayName: userId, role: 'participant', micEnabled: true, cameraEnabled: true },
});
const alice = new FakeSocket();
const bob = new FakeSocket();
await service.connect(alice as unknown as WebSocket, admission('bench-0-0'));
await service.connect(bob as unknown as WebSocket, admission('bench-0-1'));

const frame = Buffer.from(
  JSON.stringify({
    type: 'ice-candidate',
    toUserId: 'bench-0-1',
    candidate: {
      candidate: 'candidate:123456789012 1 udp 2122194687 10.0.1.1 10001 typ host generation 1 ufrag w+6h network-id 1 network-cost 10',
      sdpMid: '0',
      sdpMLineIndex: 0,
      usernameFragment: 'w+6h',
    },
  }),
);

/** The bare relay's handler (servers/bare.ts), on the same frame. */
const room = new Map<string, FakeSocket>([['bench-0-1', bob]]);
function bareRelay(data: Buffer): void {
  const msg = JSON.parse(data.toString());
  const target = typeof msg.toUserId === 'string' ? room.get(msg.toUserId) : undefined;
  if (!target) return;
  msg.fromUserId = 'bench-0-0';
  target.send(JSON.stringify(msg));
}

function time(label: string, fn: () => void): number {
  const before = bob.sent;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) fn();
  const ns = Number(process.hrtime.bigint() - t0) / N;
  if (bob.sent - before !== N) throw new Error(`${label}: ${bob.sent - before} of ${N} frames relayed`);
  return ns;
}

const ours: number[] = [];
const bare: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  ours.push(time('ours', () => alice.emit('message', frame, false)));
  bare.push(time('bare', () => bareRelay(frame)));
}
const best = (xs: number[]) => Math.min(...xs);
console.log(`relay path, ${N.toLocaleString('en-US')} frames x ${ROUNDS} rounds (best round), ${frame.length}-byte ice-candidate frame, node ${process.version}`);
console.log(`  ours (SignalingService onFrame → validate → rebuild → send)  ${(best(ours) / 1000).toFixed(2)} µs/msg`);
console.log(`  bare relay (parse → add fromUserId → stringify)               ${(best(bare) / 1000).toFixed(2)} µs/msg`);
console.log(`  difference                                                    ${((best(ours) - best(bare)) / 1000).toFixed(2)} µs/msg`);
await service.stop();
