/**
 * HTTP schemas of `GET /api/ice-servers`: the wire shapes are defined once in `src/protocol/ice.ts`
 * (shared with the web client).
 */
export * from '../../protocol/ice.ts';
