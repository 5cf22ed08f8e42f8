import crypto from 'node:crypto';
import { SignJWT } from 'jose';

/** What Jitsi tokens are signed with and say about the deployment (settings `JITSI_*`). */
export interface JitsiTokenSettings {
  /** `iss`: prosody's `app_id` (`JITSI_APP_ID`). */
  appId: string;
  /** `aud` (`JITSI_AUDIENCE`, default `jitsi`): one string, as luajwtjitsi compares it. */
  audience: string;
  /** `sub`: the XMPP domain or tenant (`JITSI_DOMAIN`, default the host of `JITSI_URL`). */
  domain: string;
  /** HS256 key: `JITSI_APP_SECRET`, else `JWT_SECRET`. */
  secret: string;
  /** `exp` = scheduled end + this (`JITSI_TOKEN_MARGIN`), ms. */
  marginMs: number;
}

/** The person a token is for, as Jitsi shows them (`context.user`). */
export interface JitsiUser {
  id: string;
  name: string;
  email: string | null;
  avatar: string | null;
}

/** `nbf` is this much before `iat`: a Jitsi server whose clock is a little behind still accepts a fresh token. */
export const NOT_BEFORE_SKEW_S = 10;

/**
 * Signs the Jitsi JWT of DESIGN 4.9 for prosody `token_verification` (luajwtjitsi): header
 * `{alg: HS256, typ: JWT}` (luajwtjitsi refuses any other `typ`), claims `iss`, `aud` (a string),
 * `sub`, `room` (the exact, lower-case room: never `*`), numeric `iat`, `nbf` = now − 10 s,
 * `exp` = scheduled end + margin, and `context.user` `{id, name, email, avatar}` as strings (empty,
 * never null: prosody modules index them as strings) with `moderator` and `affiliation` (`owner`
 * for instructors and course moderators, `member` otherwise) for jitsi-contrib `mod_token_affiliation`.
 * @returns the token and its expiry (UTC). The token must never be logged.
 */
export async function signJitsiToken(
  settings: JitsiTokenSettings,
  input: { room: string; user: JitsiUser; moderator: boolean; scheduledEndAt: Date; now: Date },
): Promise<{ jwt: string; expiresAt: Date }> {
  const iat = Math.floor(input.now.getTime() / 1000);
  const exp = Math.floor((input.scheduledEndAt.getTime() + settings.marginMs) / 1000);
  const payload = {
    iss: settings.appId,
    aud: settings.audience,
    sub: settings.domain,
    room: input.room,
    iat,
    nbf: iat - NOT_BEFORE_SKEW_S,
    exp,
    context: {
      user: {
        id: input.user.id,
        name: input.user.name,
        email: input.user.email ?? '',
        avatar: input.user.avatar ?? '',
        moderator: input.moderator,
        affiliation: input.moderator ? 'owner' : 'member',
      },
    },
  };
  const key = crypto.createSecretKey(Buffer.from(settings.secret, 'utf8'));
  const jwt = await new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(key);
  return { jwt, expiresAt: new Date(exp * 1000) };
}

/** The host (and port) of `JITSI_URL`, lower case: the default `sub` and the IFrame API's `domain`. */
export function jitsiHost(jitsiUrl: string): string {
  return new URL(jitsiUrl).host.toLowerCase();
}

/** A room's URL on the Jitsi server (`{JITSI_URL}/{room}`; a path in `JITSI_URL`, a tenant, is kept). */
export function jitsiJoinUrl(jitsiUrl: string, room: string): string {
  return `${jitsiUrl.replace(/\/+$/, '')}/${room}`;
}
