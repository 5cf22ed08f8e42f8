/**
 * HTTP schemas of `GET /api/ice-servers`: the wire shape is defined once in `src/protocol/ice.ts`
 * (shared with the web client).
 */
export { IceServersResponse } from '../../protocol/ice.ts';
