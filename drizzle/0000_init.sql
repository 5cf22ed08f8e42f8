CREATE TABLE "participants" (
	"id" text PRIMARY KEY NOT NULL,
	"session_id" text NOT NULL,
	"user_id" text NOT NULL,
	"display_name" text NOT NULL,
	"registration_id" text,
	"role" text NOT NULL,
	"status" text NOT NULL,
	"camera_enabled" boolean DEFAULT true NOT NULL,
	"mic_enabled" boolean DEFAULT true NOT NULL,
	"recording_consent" boolean DEFAULT false NOT NULL,
	"joined_at" timestamp with time zone,
	"left_at" timestamp with time zone,
	"connected_since" timestamp with time zone,
	"presence_seconds" integer DEFAULT 0 NOT NULL,
	"speaking_time_seconds" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "registrations" (
	"id" text PRIMARY KEY NOT NULL,
	"time_slot_id" text NOT NULL,
	"user_id" text NOT NULL,
	"display_name" text NOT NULL,
	"status" text NOT NULL,
	"registered_at" timestamp with time zone NOT NULL,
	"seq" bigserial NOT NULL,
	"cancelled_at" timestamp with time zone,
	"session_id" text,
	"unmatched_reason" text
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"time_slot_id" text,
	"target_language_code" text NOT NULL,
	"level" text,
	"status" text NOT NULL,
	"end_reason" text,
	"host_user_id" text,
	"max_participants" integer NOT NULL,
	"invite_code" text,
	"topic_id" text,
	"topic_title" text,
	"scheduled_start_at" timestamp with time zone,
	"scheduled_end_at" timestamp with time zone,
	"started_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"recording_enabled" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "slot_series" (
	"id" text PRIMARY KEY NOT NULL,
	"target_language_code" text NOT NULL,
	"level" text NOT NULL,
	"local_time" text NOT NULL,
	"time_zone" text NOT NULL,
	"recurrence" text NOT NULL,
	"first_start_time" timestamp with time zone NOT NULL,
	"duration_minutes" integer NOT NULL,
	"max_participants" integer NOT NULL,
	"min_participants" integer NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "time_slots" (
	"id" text PRIMARY KEY NOT NULL,
	"series_id" text,
	"target_language_code" text NOT NULL,
	"level" text NOT NULL,
	"start_time" timestamp with time zone NOT NULL,
	"duration_minutes" integer NOT NULL,
	"max_participants" integer NOT NULL,
	"min_participants" integer NOT NULL,
	"recurrence" text DEFAULT 'once' NOT NULL,
	"time_zone" text DEFAULT 'UTC' NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"matched_at" timestamp with time zone,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "participants" ADD CONSTRAINT "participants_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registrations" ADD CONSTRAINT "registrations_time_slot_id_time_slots_id_fk" FOREIGN KEY ("time_slot_id") REFERENCES "public"."time_slots"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_time_slot_id_time_slots_id_fk" FOREIGN KEY ("time_slot_id") REFERENCES "public"."time_slots"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "time_slots" ADD CONSTRAINT "time_slots_series_id_slot_series_id_fk" FOREIGN KEY ("series_id") REFERENCES "public"."slot_series"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "participants_session_idx" ON "participants" USING btree ("session_id");--> statement-breakpoint
CREATE INDEX "participants_user_status_idx" ON "participants" USING btree ("user_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "participants_session_user_uq" ON "participants" USING btree ("session_id","user_id");--> statement-breakpoint
CREATE INDEX "registrations_slot_status_idx" ON "registrations" USING btree ("time_slot_id","status");--> statement-breakpoint
CREATE INDEX "registrations_user_status_idx" ON "registrations" USING btree ("user_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "registrations_slot_user_uq" ON "registrations" USING btree ("time_slot_id","user_id") WHERE status <> 'cancelled';--> statement-breakpoint
CREATE INDEX "sessions_slot_idx" ON "sessions" USING btree ("time_slot_id");--> statement-breakpoint
CREATE INDEX "sessions_status_lang_idx" ON "sessions" USING btree ("status","target_language_code");--> statement-breakpoint
CREATE INDEX "sessions_created_idx" ON "sessions" USING btree ("created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "sessions_invite_code_live_uq" ON "sessions" USING btree ("invite_code") WHERE status <> 'ended' and invite_code is not null;--> statement-breakpoint
CREATE INDEX "time_slots_lang_level_start_idx" ON "time_slots" USING btree ("target_language_code","level","start_time");--> statement-breakpoint
CREATE INDEX "time_slots_start_active_idx" ON "time_slots" USING btree ("start_time","is_active");--> statement-breakpoint
CREATE UNIQUE INDEX "time_slots_series_start_uq" ON "time_slots" USING btree ("series_id","start_time");