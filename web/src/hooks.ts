import { useEffect, useRef, useState } from 'react';
import { serverNow } from './clock.ts';

/** The current time on the server's clock (or `read`'s), refreshed every `intervalMs` (for countdowns). */
export function useNow(intervalMs = 1000, read: () => number = serverNow): number {
  const [now, setNow] = useState(read);
  useEffect(() => {
    const id = setInterval(() => setNow(read()), intervalMs);
    return () => clearInterval(id);
  }, [intervalMs, read]);
  return now;
}

/**
 * Calls `fn` now and every `intervalMs` while `enabled`; a call never overlaps the previous one.
 * The latest `fn` is always used, so it may close over fresh state.
 */
export function usePolling(fn: () => Promise<void>, intervalMs: number, enabled = true): void {
  const fnRef = useRef(fn);
  fnRef.current = fn;
  useEffect(() => {
    if (!enabled) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        await fnRef.current();
      } finally {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      }
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [intervalMs, enabled]);
}

/** The part of `location.hash` after `#/`, kept in sync with navigation. */
export function useHashRoute(): [string, (route: string) => void] {
  const read = () => window.location.hash.replace(/^#\/?/, '') || 'slots';
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const onChange = () => setRoute(read());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return [route, (next: string) => { window.location.hash = `#/${next}`; }];
}
