CREATE TABLE "object_deletions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"key" text NOT NULL,
	"is_prefix" boolean NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"final_at" timestamp with time zone NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "recording_handoffs" (
	"session_id" text PRIMARY KEY NOT NULL,
	"decided_at" timestamp with time zone NOT NULL,
	"event_id" text,
	"recording_count" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "recordings" (
	"id" text PRIMARY KEY NOT NULL,
	"session_id" text NOT NULL,
	"user_id" text NOT NULL,
	"status" text NOT NULL,
	"content_type" text NOT NULL,
	"object_key" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"start_offset_ms" integer NOT NULL,
	"last_part_number" integer DEFAULT 0 NOT NULL,
	"last_activity_at" timestamp with time zone NOT NULL,
	"interrupted_at" timestamp with time zone,
	"claimed_until" timestamp with time zone,
	"duration_ms" integer,
	"size_bytes" bigint,
	"part_count" integer,
	"ended_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "recording" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "recording_handoffs" ADD CONSTRAINT "recording_handoffs_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recordings" ADD CONSTRAINT "recordings_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "object_deletions_due_idx" ON "object_deletions" USING btree ("due_at");--> statement-breakpoint
CREATE INDEX "recordings_session_idx" ON "recordings" USING btree ("session_id");--> statement-breakpoint
CREATE INDEX "recordings_user_created_idx" ON "recordings" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "recordings_open_idx" ON "recordings" USING btree ("last_activity_at") WHERE status in ('recording', 'completing');--> statement-breakpoint
CREATE INDEX "recordings_ended_idx" ON "recordings" USING btree ("ended_at");