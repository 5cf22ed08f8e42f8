/** `GET /api/ice-servers`: what the browser passes to `new RTCPeerConnection({ iceServers })`. */

import { Type, type Static } from 'typebox';

/** One entry of `RTCConfiguration.iceServers`: STUN (urls only) or TURN (with credentials). */
export const IceServer = Type.Object({
  urls: Type.Array(Type.String()),
  /** TURN only: `<unix expiry>:<userId>` (coturn `use-auth-secret`). */
  username: Type.Optional(Type.String()),
  /** TURN only: base64(HMAC-SHA1(TURN_SECRET, username)). */
  credential: Type.Optional(Type.String()),
});
export type IceServer = Static<typeof IceServer>;

/** The caller's ICE servers; the TURN credentials are valid `ttlSeconds` (seconds) from the answer. */
export const IceServersResponse = Type.Object({
  iceServers: Type.Array(IceServer),
  ttlSeconds: Type.Integer({ description: 'How long the TURN credentials stay valid; fetch new ones before then' }),
});
export type IceServersResponse = Static<typeof IceServersResponse>;
