-- Issue 14 (matchmaking on PGlite): (user_id, created_at) serves every lookup of a user's participations;
-- without status in an index, a participant's status change on join can be a heap-only update (when its page has room).
DROP INDEX "participants_user_status_idx";--> statement-breakpoint
-- Event ids are random UUIDs made at write time and never looked up: the unique index only cost each event write.
DROP INDEX "outbox_events_id_uq";
