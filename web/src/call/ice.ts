import { api } from '../api.ts';

/**
 * The ICE configuration of every peer connection, kept in one place: STUN and time-limited TURN
 * credentials from `GET /api/ice-servers`, fetched once and refreshed when older than half their
 * time to live (so a connection created or ICE-restarted late in a long call still gets valid
 * TURN credentials).
 *
 * Relay-only mode (`iceTransportPolicy: 'relay'`, every packet through TURN) is switched on by
 * `?relay=1` in the page address or `localStorage['conversation.iceRelay'] = '1'`; it is a
 * diagnostic for networks where direct paths misbehave, and what the TURN browser test uses.
 */

const RELAY_STORAGE_KEY = 'conversation.iceRelay';
/** After a failed fetch (offline, 5xx): asked again after half of this, in ms. */
const RETRY_TTL_MS = 60_000;

interface Cached {
  iceServers: RTCIceServer[];
  fetchedAt: number;
  ttlMs: number;
}

let cached: Cached | null = null;
let inflight: Promise<Cached> | null = null;

/** Whether the page asks for relay-only ICE (`?relay=1` or the localStorage flag). */
export function relayOnly(): boolean {
  try {
    const flag = new URLSearchParams(window.location.search).get('relay') ?? localStorage.getItem(RELAY_STORAGE_KEY);
    return flag === '1' || flag === 'true';
  } catch {
    return false;
  }
}

async function fetchIceServers(): Promise<Cached> {
  const now = Date.now();
  try {
    const { iceServers, ttlSeconds } = await api.iceServers();
    return { iceServers, fetchedAt: now, ttlMs: ttlSeconds * 1000 };
  } catch (err) {
    // Offline or failing: keep the previous servers (their TURN credentials outlive ttl/2) and
    // ask again in 30 s.
    console.warn('[call] cannot load ICE servers; keeping the previous ones', err);
    return { iceServers: cached?.iceServers ?? [], fetchedAt: now, ttlMs: RETRY_TTL_MS };
  }
}

/**
 * The `RTCConfiguration` for a new peer connection (or an ICE restart).
 * @param force fetch fresh credentials even when the cached ones are young enough.
 */
export async function loadRtcConfiguration(force = false): Promise<RTCConfiguration> {
  const fresh = cached !== null && Date.now() - cached.fetchedAt < cached.ttlMs / 2;
  if (force || !fresh) {
    inflight ??= fetchIceServers().finally(() => {
      inflight = null;
    });
    cached = await inflight;
  }
  const relay = relayOnly();
  if (relay && !cached!.iceServers.some((s) => [s.urls].flat().some((u) => /^turns?:/.test(u)))) {
    console.warn('[call] relay-only ICE was asked for but the server offers no TURN server: connections will fail');
  }
  return { iceServers: cached!.iceServers, iceTransportPolicy: relay ? 'relay' : 'all' };
}

/** Drops the cached servers (their TURN credentials name the signed-in user): call at sign-out. */
export function forgetIceServers(): void {
  cached = null;
}
