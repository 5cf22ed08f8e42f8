-- Issue 14 (matchmaking on PGlite): the unique (session_id, user_id) index already serves lookups by session.
DROP INDEX "participants_session_idx";--> statement-breakpoint
-- Room on each page for the updated row version: matchmaking's session_id and the reminder's reminded_at
-- are not indexed, so their updates stay on the page (HOT) and touch no index. Applies to pages written from now on.
ALTER TABLE "registrations" SET (fillfactor = 50);
