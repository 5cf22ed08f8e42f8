import { api } from './api.ts';

/** A source of the current time, in ms since the epoch; injected where a test or another clock may stand in. */
export interface Clock {
  now(): number;
}

/** The browser's own clock: for elapsed times and timers (instants of the server: `serverNow`). */
export const browserClock: Clock = { now: () => Date.now() };

/**
 * The server's clock as seen from the browser: countdowns use it rather than the browser's own
 * clock, which may be off. The offset comes from `serverTime` in `/api/auth/config`, corrected
 * by half the round trip.
 */
let offsetMs = 0;

/** The current time on the server's clock, in ms since the epoch (best estimate). */
export function serverNow(): number {
  return Date.now() + offsetMs;
}

/** Measures the offset to the server's clock; keeps the previous one on failure. */
export async function syncServerClock(): Promise<void> {
  const sent = Date.now();
  try {
    const { serverTime } = await api.authConfig();
    const received = Date.now();
    const server = new Date(serverTime).getTime();
    if (Number.isFinite(server)) offsetMs = server - (sent + received) / 2;
  } catch {
    // Offline: keep counting on the last known offset.
  }
}
