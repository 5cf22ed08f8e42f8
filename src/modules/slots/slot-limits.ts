/** Largest group of one session (full mesh, DESIGN 2): a slot's minimum can never exceed it. */
export const MAX_SESSION_SIZE = 8;
