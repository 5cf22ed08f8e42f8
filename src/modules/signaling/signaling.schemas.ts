/**
 * Wire formats of the signaling WebSocket (DESIGN 4.3): defined once in `src/protocol/signaling.ts`,
 * shared with the web client, and re-exported here for the module.
 */
export * from '../../protocol/signaling.ts';
