/**
 * HTTP schemas of the slot routes: the wire shapes are defined once in `src/protocol/slots.ts`
 * (shared with the web client), re-exported here with the names the routes use.
 */
export * from '../../protocol/slots.ts';
export { IdParams as SlotParams } from '../../protocol/common.ts';
export { Slot as SlotSchema } from '../../protocol/slots.ts';
