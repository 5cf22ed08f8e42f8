CREATE TABLE "outbox_relay_leases" (
	"sink" text PRIMARY KEY NOT NULL,
	"holder" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outbox_sink_keys" (
	"sink" text NOT NULL,
	"key" text NOT NULL,
	"delivered_tx" "xid8",
	"delivered_seq" bigint,
	"failures" integer DEFAULT 0 NOT NULL,
	"retry_at" timestamp with time zone,
	"parked_at" timestamp with time zone,
	"parked_event_id" text,
	"last_error" text,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "outbox_sink_keys_sink_key_pk" PRIMARY KEY("sink","key")
);
--> statement-breakpoint
CREATE TABLE "dead_letters" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"transport" text NOT NULL,
	"topic" text,
	"partition" integer,
	"offset" text,
	"value" text NOT NULL,
	"headers" jsonb,
	"reason" text NOT NULL,
	"received_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "processed_events" (
	"id" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"source" text NOT NULL,
	"transport" text NOT NULL,
	"processed_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "course_enrolments" (
	"course_id" text NOT NULL,
	"user_id" text NOT NULL,
	"enrolled_at" timestamp with time zone NOT NULL,
	CONSTRAINT "course_enrolments_course_id_user_id_pk" PRIMARY KEY("course_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "course_staff" (
	"course_id" text NOT NULL,
	"user_id" text NOT NULL,
	"role" text NOT NULL,
	CONSTRAINT "course_staff_course_id_user_id_role_pk" PRIMARY KEY("course_id","user_id","role")
);
--> statement-breakpoint
CREATE TABLE "courses" (
	"id" text PRIMARY KEY NOT NULL,
	"title" text NOT NULL,
	"slug" text NOT NULL,
	"time_zone" text NOT NULL,
	"session_count" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "live_session_chat" (
	"id" text PRIMARY KEY NOT NULL,
	"live_session_id" text NOT NULL,
	"seq" bigint NOT NULL,
	"user_id" text NOT NULL,
	"display_name" text NOT NULL,
	"type" text NOT NULL,
	"text" text NOT NULL,
	"reply_to" text,
	"answered" boolean DEFAULT false NOT NULL,
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "live_session_intervals" (
	"id" text PRIMARY KEY NOT NULL,
	"participant_id" text NOT NULL,
	"joined_at" timestamp with time zone NOT NULL,
	"left_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "live_session_participants" (
	"id" text PRIMARY KEY NOT NULL,
	"live_session_id" text NOT NULL,
	"user_id" text NOT NULL,
	"display_name" text NOT NULL,
	"role" text NOT NULL,
	"first_joined_at" timestamp with time zone NOT NULL,
	"page_present" boolean DEFAULT false NOT NULL,
	"jitsi_present" boolean DEFAULT false NOT NULL,
	"last_seen_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "live_session_reminders" (
	"live_session_id" text NOT NULL,
	"kind" text NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone,
	"skipped" boolean DEFAULT false NOT NULL,
	CONSTRAINT "live_session_reminders_live_session_id_kind_pk" PRIMARY KEY("live_session_id","kind")
);
--> statement-breakpoint
CREATE TABLE "live_sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"course_id" text NOT NULL,
	"number" integer NOT NULL,
	"series_id" text,
	"title" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"start_at" timestamp with time zone NOT NULL,
	"end_at" timestamp with time zone NOT NULL,
	"max_participants" integer NOT NULL,
	"recording_enabled" boolean DEFAULT false NOT NULL,
	"student_screen_share" boolean DEFAULT false NOT NULL,
	"status" text NOT NULL,
	"cancel_reason" text,
	"jitsi_room_name" text NOT NULL,
	"jitsi_room_password" text,
	"actual_start_at" timestamp with time zone,
	"actual_end_at" timestamp with time zone,
	"recording_url" text,
	"sequence" integer DEFAULT 0 NOT NULL,
	"chat_seq" bigint DEFAULT 0 NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "live_webhook_deliveries" (
	"key" text PRIMARY KEY NOT NULL,
	"received_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "calendar_feeds" (
	"user_id" text PRIMARY KEY NOT NULL,
	"secret" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "calendar_feeds_secret_uq" UNIQUE("secret")
);
--> statement-breakpoint
CREATE TABLE "invite_code_attempts" (
	"id" text PRIMARY KEY NOT NULL,
	"key" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
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
CREATE TABLE "idempotency_keys" (
	"user_id" text NOT NULL,
	"key" text NOT NULL,
	"fingerprint" text NOT NULL,
	"state" text NOT NULL,
	"owner" text NOT NULL,
	"response_status" integer,
	"response_body" text,
	"response_type" text,
	"created_at" timestamp with time zone NOT NULL,
	"locked_at" timestamp with time zone NOT NULL,
	CONSTRAINT "idempotency_keys_user_id_key_pk" PRIMARY KEY("user_id","key")
);
--> statement-breakpoint
DROP INDEX "outbox_events_unpublished_idx";--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "recording" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "registrations" ADD COLUMN "reminded_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "course_enrolments" ADD CONSTRAINT "course_enrolments_course_id_courses_id_fk" FOREIGN KEY ("course_id") REFERENCES "public"."courses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "course_staff" ADD CONSTRAINT "course_staff_course_id_courses_id_fk" FOREIGN KEY ("course_id") REFERENCES "public"."courses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "live_session_chat" ADD CONSTRAINT "live_session_chat_live_session_id_live_sessions_id_fk" FOREIGN KEY ("live_session_id") REFERENCES "public"."live_sessions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "live_session_intervals" ADD CONSTRAINT "live_session_intervals_participant_id_live_session_participants_id_fk" FOREIGN KEY ("participant_id") REFERENCES "public"."live_session_participants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "live_session_participants" ADD CONSTRAINT "live_session_participants_live_session_id_live_sessions_id_fk" FOREIGN KEY ("live_session_id") REFERENCES "public"."live_sessions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "live_session_reminders" ADD CONSTRAINT "live_session_reminders_live_session_id_live_sessions_id_fk" FOREIGN KEY ("live_session_id") REFERENCES "public"."live_sessions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "live_sessions" ADD CONSTRAINT "live_sessions_course_id_courses_id_fk" FOREIGN KEY ("course_id") REFERENCES "public"."courses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recording_handoffs" ADD CONSTRAINT "recording_handoffs_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recordings" ADD CONSTRAINT "recordings_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "outbox_sink_keys_parked_idx" ON "outbox_sink_keys" USING btree ("sink") WHERE parked_at is not null;--> statement-breakpoint
CREATE INDEX "dead_letters_received_idx" ON "dead_letters" USING btree ("received_at");--> statement-breakpoint
CREATE INDEX "course_enrolments_user_idx" ON "course_enrolments" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "course_staff_user_idx" ON "course_staff" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "courses_slug_uq" ON "courses" USING btree ("slug");--> statement-breakpoint
CREATE UNIQUE INDEX "live_chat_session_seq_uq" ON "live_session_chat" USING btree ("live_session_id","seq");--> statement-breakpoint
CREATE INDEX "live_chat_session_user_created_idx" ON "live_session_chat" USING btree ("live_session_id","user_id","created_at");--> statement-breakpoint
CREATE INDEX "live_chat_user_idx" ON "live_session_chat" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "live_intervals_participant_idx" ON "live_session_intervals" USING btree ("participant_id");--> statement-breakpoint
CREATE UNIQUE INDEX "live_intervals_open_uq" ON "live_session_intervals" USING btree ("participant_id") WHERE left_at is null;--> statement-breakpoint
CREATE UNIQUE INDEX "live_participants_session_user_uq" ON "live_session_participants" USING btree ("live_session_id","user_id");--> statement-breakpoint
CREATE INDEX "live_participants_user_idx" ON "live_session_participants" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "live_reminders_due_idx" ON "live_session_reminders" USING btree ("due_at") WHERE sent_at is null;--> statement-breakpoint
CREATE UNIQUE INDEX "live_sessions_room_uq" ON "live_sessions" USING btree ("jitsi_room_name");--> statement-breakpoint
CREATE UNIQUE INDEX "live_sessions_course_number_uq" ON "live_sessions" USING btree ("course_id","number");--> statement-breakpoint
CREATE INDEX "live_sessions_course_start_idx" ON "live_sessions" USING btree ("course_id","start_at");--> statement-breakpoint
CREATE INDEX "live_sessions_live_end_idx" ON "live_sessions" USING btree ("end_at") WHERE status = 'live';--> statement-breakpoint
CREATE INDEX "invite_code_attempts_key_at_idx" ON "invite_code_attempts" USING btree ("key","at");--> statement-breakpoint
CREATE INDEX "invite_code_attempts_at_idx" ON "invite_code_attempts" USING btree ("at");--> statement-breakpoint
CREATE INDEX "object_deletions_due_idx" ON "object_deletions" USING btree ("due_at");--> statement-breakpoint
CREATE INDEX "recordings_session_idx" ON "recordings" USING btree ("session_id");--> statement-breakpoint
CREATE INDEX "recordings_user_created_idx" ON "recordings" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "recordings_open_idx" ON "recordings" USING btree ("last_activity_at") WHERE status in ('recording', 'completing');--> statement-breakpoint
CREATE INDEX "recordings_ended_idx" ON "recordings" USING btree ("ended_at");--> statement-breakpoint
CREATE INDEX "idempotency_keys_created_at_idx" ON "idempotency_keys" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "outbox_events_key_idx" ON "outbox_events" USING btree ("key");--> statement-breakpoint
CREATE INDEX "outbox_events_published_idx" ON "outbox_events" USING btree ("published_at") WHERE published_at is not null;--> statement-breakpoint
CREATE INDEX "outbox_events_unpublished_idx" ON "outbox_events" USING btree ("tx_id","seq") WHERE published_at is null;