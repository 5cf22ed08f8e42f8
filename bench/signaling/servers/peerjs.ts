/**
 * The PeerJS server (npm `peer`), as its README starts it (`PeerServer`), default options except
 * the address: key `peerjs`, path `/` (WebSocket at `/peerjs`), alive timeout 90 s, concurrent
 * limit 5000. Its clients speak its own protocol (OPEN, OFFER/ANSWER/CANDIDATE with `dst`,
 * HEARTBEAT); see `../protocols.ts`.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { PeerServer } from 'peer';
import { runServerChild, userIds } from './common.ts';

const sessions = Number(process.env.SESSIONS);
const members = Number(process.env.MEMBERS);

const server = await new Promise<Server>((resolve) => {
  PeerServer({ host: '127.0.0.1', port: 0, path: '/' }, (s) => resolve(s as Server));
});
const { port } = server.address() as AddressInfo;
runServerChild(
  {
    kind: 'peerjs',
    url: `ws://127.0.0.1:${port}`,
    // PeerJS has no rooms: a session is the set of peer ids its members know (out of band).
    sessions: userIds(sessions, members).map((ids, s) => ({ id: `room-${s}`, users: ids.map((id) => ({ id, token: Math.random().toString(36).slice(2) })) })),
    notes: [],
  },
  {
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
        setTimeout(resolve, 2000).unref();
      }),
  },
);
