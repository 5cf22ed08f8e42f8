CREATE TABLE "outbox_events" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"id" text NOT NULL,
	"type" text NOT NULL,
	"source" text NOT NULL,
	"subject" text,
	"time" timestamp with time zone NOT NULL,
	"key" text NOT NULL,
	"data" jsonb NOT NULL,
	"published_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "session_ratings" (
	"session_id" text NOT NULL,
	"user_id" text NOT NULL,
	"rating" smallint NOT NULL,
	"comment" text,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "left_reason" text;--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "speaking_time_ms" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "last_presence_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "session_ratings" ADD CONSTRAINT "session_ratings_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_events_id_uq" ON "outbox_events" USING btree ("id");--> statement-breakpoint
CREATE INDEX "outbox_events_unpublished_idx" ON "outbox_events" USING btree ("seq") WHERE published_at is null;--> statement-breakpoint
CREATE UNIQUE INDEX "session_ratings_session_user_uq" ON "session_ratings" USING btree ("session_id","user_id");--> statement-breakpoint
CREATE INDEX "participants_user_created_idx" ON "participants" USING btree ("user_id","created_at");--> statement-breakpoint
ALTER TABLE "participants" DROP COLUMN "speaking_time_seconds";