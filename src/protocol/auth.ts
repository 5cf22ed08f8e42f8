/** Sign-in shapes (DESIGN 4.1): the caller as read from the token, and development sign-in. */

import { Type, type Static } from 'typebox';
import { DateTime } from './common.ts';

/** The signed-in user, as read from the token's claims (`GET /api/me`). */
export const User = Type.Object({
  id: Type.String(),
  name: Type.String(),
  roles: Type.Array(Type.String()),
  tier: Type.Union([Type.Literal('free'), Type.Literal('premium')]),
  /** Language code → CEFR level, from the `levels` claim (empty when absent). */
  levels: Type.Record(Type.String(), Type.String()),
  email: Type.Union([Type.String(), Type.Null()]),
});
export type User = Static<typeof User>;

/** `GET /api/auth/config` (no token): whether development sign-in is on, and the server's clock. */
export const AuthConfig = Type.Object({ devMode: Type.Boolean(), serverTime: DateTime });
export type AuthConfig = Static<typeof AuthConfig>;

/** `POST /api/dev/token` body (development mode only): a display name, and whether to be admin or instructor. */
export const DevTokenBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 60, pattern: '\\S' }),
    admin: Type.Optional(Type.Boolean()),
    /** The JWT role `instructor` (live courses, DESIGN 4.9). */
    instructor: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type DevTokenBody = Static<typeof DevTokenBody>;

/** `POST /api/dev/token` answer: a JWT for that name and the user it signs in. */
export const DevToken = Type.Object({ token: Type.String(), user: User });
export type DevToken = Static<typeof DevToken>;
