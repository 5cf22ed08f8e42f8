import crypto from 'node:crypto';
import type { TurnSettings } from '../../config.ts';

/** One entry of `RTCConfiguration.iceServers`. */
export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

/** `GET /api/ice-servers`: what the browser puts in `RTCPeerConnection({ iceServers })`. */
export interface IceServersView {
  iceServers: IceServer[];
  /** How long the TURN credentials stay valid from now; fetch new ones before then. */
  ttlSeconds: number;
}

/**
 * Time-limited TURN credentials of coturn's `use-auth-secret` scheme (the "TURN REST API"): the
 * username is `<unix expiry>:<userId>` and the password is base64(HMAC-SHA1(secret, username)).
 * coturn, configured with the same `static-auth-secret`, recomputes the password and refuses the
 * username once its expiry passed; nothing is stored anywhere.
 */
export function turnCredentials(secret: string, userId: string, now: Date, ttlMs: number): { username: string; credential: string; expiresAt: Date } {
  const expiry = Math.floor((now.getTime() + ttlMs) / 1000);
  const username = `${expiry}:${userId}`;
  const credential = crypto.createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential, expiresAt: new Date(expiry * 1000) };
}

/** The ICE servers handed to clients (DESIGN 3: TURN port). */
export class IceService {
  constructor(private readonly settings: TurnSettings) {}

  /** True when TURN relays are configured (`TURN_URLS` and `TURN_SECRET`). */
  get turnEnabled(): boolean {
    return this.settings.urls.length > 0 && this.settings.secret !== null;
  }

  /**
   * STUN servers (`STUN_URLS`) and, when configured, the TURN servers (`TURN_URLS`) with
   * credentials for `userId` valid `TURN_TTL` from `now`. Without any setting the list is empty:
   * browsers then use host candidates only (enough on one network or on loopback).
   */
  iceServers(userId: string, now: Date): IceServersView {
    const iceServers: IceServer[] = [];
    if (this.settings.stunUrls.length > 0) iceServers.push({ urls: [...this.settings.stunUrls] });
    if (this.turnEnabled) {
      const { username, credential } = turnCredentials(this.settings.secret as string, userId, now, this.settings.ttlMs);
      iceServers.push({ urls: [...this.settings.urls], username, credential });
    }
    return { iceServers, ttlSeconds: Math.floor(this.settings.ttlMs / 1000) };
  }
}
