import type { ParticipantRow } from './sessions.repository.ts';

/**
 * Presence seconds including the current connected stretch up to `now` (seed 000 §2.3 "temps de
 * présence"): the stored seconds plus the time since `connectedSince`, whole seconds.
 * Twin of `presenceUpToSql` in the repository (the same rule inside an UPDATE).
 */
export function presenceUpTo(p: Pick<ParticipantRow, 'presenceSeconds' | 'connectedSince'>, now: Date): number {
  return p.presenceSeconds + (p.connectedSince ? Math.max(0, Math.floor((now.getTime() - p.connectedSince.getTime()) / 1000)) : 0);
}

/** Presence up to `now` in ms (the bound of speaking time), keeping the open stretch's milliseconds. */
export function presenceMsUpTo(p: Pick<ParticipantRow, 'presenceSeconds' | 'connectedSince'>, now: Date): number {
  return p.presenceSeconds * 1000 + (p.connectedSince ? Math.max(0, now.getTime() - p.connectedSince.getTime()) : 0);
}

/**
 * Speaking time after adding `addMs` (seed 002 AC4 `speakingTimeSeconds`): never more than the
 * participant's presence, so a client cannot inflate it with `speaking` frames.
 * @param presenceMs the presence bound, ms.
 */
export function boundedSpeakingMs(currentMs: number, addMs: number, presenceMs: number): number {
  return Math.min(presenceMs, currentMs + Math.round(addMs));
}
