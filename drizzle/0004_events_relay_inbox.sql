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
DROP INDEX "outbox_events_unpublished_idx";--> statement-breakpoint
ALTER TABLE "registrations" ADD COLUMN "reminded_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "outbox_sink_keys_parked_idx" ON "outbox_sink_keys" USING btree ("sink") WHERE parked_at is not null;--> statement-breakpoint
CREATE INDEX "dead_letters_received_idx" ON "dead_letters" USING btree ("received_at");--> statement-breakpoint
CREATE INDEX "outbox_events_key_idx" ON "outbox_events" USING btree ("key");--> statement-breakpoint
CREATE INDEX "outbox_events_published_idx" ON "outbox_events" USING btree ("published_at") WHERE published_at is not null;--> statement-breakpoint
CREATE INDEX "outbox_events_unpublished_idx" ON "outbox_events" USING btree ("tx_id","seq") WHERE published_at is null;