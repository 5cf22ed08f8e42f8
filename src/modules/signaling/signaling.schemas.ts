/**
 * Wire formats of the signaling WebSocket (DESIGN 4.3): defined once in `src/protocol/signaling.ts`,
 * shared with the web client, and re-exported here for the module.
 */
import type { SignalingParticipant } from '../../protocol/signaling.ts';

export * from '../../protocol/signaling.ts';

/** @deprecated The wire's word is participant: use `SignalingParticipant`. */
export type PeerView = SignalingParticipant;
