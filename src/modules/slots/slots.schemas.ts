/**
 * HTTP schemas of the slot routes: the wire shapes are defined once in `src/protocol/slots.ts`
 * (shared with the web client); the names the routes use are kept here.
 */
export { IdParams as SlotParams } from '../../protocol/common.ts';
export { CreateSlotBody, ListSlotsQuery, PatchSlotBody, SlotPage, Slot as SlotSchema } from '../../protocol/slots.ts';
