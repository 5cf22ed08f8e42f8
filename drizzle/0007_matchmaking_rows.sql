-- Issue 14 (matchmaking 100,000 registrations on PGlite). The foreign key ran one check query per
-- participant matchmaking inserts; participants are only written by the sessions module, in the
-- transaction that created or locked the session, and sessions are never deleted.
ALTER TABLE "participants" DROP CONSTRAINT "participants_session_id_sessions_id_fk";
--> statement-breakpoint
-- Grouped rows: one outbox row per session holds its members' registration.matched (src/modules/outbox/outbox-items.repository.ts).
ALTER TABLE "outbox_events" ADD COLUMN "member_subjects" text[];--> statement-breakpoint
ALTER TABLE "outbox_events" ADD COLUMN "member_keys" text[];--> statement-breakpoint
ALTER TABLE "outbox_events" ADD COLUMN "member_fields" text[];
