/**
 * The floor: a bare `ws` relay. Rooms by query parameter (`?room=&userId=`), and a frame with a
 * `toUserId` is re-serialised with `fromUserId` added and sent to that member of the sender's room.
 * Nothing else: no authentication, no validation, no presence, no limits, no heartbeats.
 * Same `ws` version and settings as the service (no compression, 64 KiB frames).
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { runServerChild, userIds } from './common.ts';

const sessions = Number(process.env.SESSIONS);
const members = Number(process.env.MEMBERS);

const rooms = new Map<string, Map<string, WebSocket>>();
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 64 * 1024 });

wss.on('connection', (ws, req) => {
  const query = new URL(req.url ?? '/', 'http://relay').searchParams;
  const roomId = query.get('room') ?? '';
  const userId = query.get('userId') ?? '';
  let room = rooms.get(roomId);
  if (!room) rooms.set(roomId, (room = new Map()));
  room.set(userId, ws);
  ws.on('message', (data) => {
    let msg: { toUserId?: unknown; fromUserId?: string };
    try {
      msg = JSON.parse(data.toString());
    } catch {
      return;
    }
    const target = typeof msg.toUserId === 'string' ? room.get(msg.toUserId) : undefined;
    if (!target || target === ws) return;
    msg.fromUserId = userId;
    target.send(JSON.stringify(msg));
  });
  ws.on('close', () => {
    if (room.get(userId) === ws) room.delete(userId);
    if (room.size === 0) rooms.delete(roomId);
  });
  ws.on('error', () => undefined);
});

await new Promise<void>((resolve) => wss.once('listening', resolve));
const { port } = wss.address() as AddressInfo;
runServerChild(
  {
    kind: 'bare',
    url: `ws://127.0.0.1:${port}`,
    sessions: userIds(sessions, members).map((ids, s) => ({ id: `room-${s}`, users: ids.map((id) => ({ id, token: '' })) })),
    notes: [],
  },
  { close: () => new Promise<void>((resolve) => wss.close(() => resolve())) },
);
