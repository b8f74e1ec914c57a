CREATE TABLE `feedback` (
	`id` text PRIMARY KEY NOT NULL,
	`request_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`key_id` text NOT NULL,
	`rating` integer NOT NULL,
	`label` text,
	`comment` text,
	`created_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `feedback_request_idx` ON `feedback` (`request_id`);--> statement-breakpoint
CREATE INDEX `feedback_tenant_idx` ON `feedback` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `model_prices` (
	`model` text PRIMARY KEY NOT NULL,
	`input_usd_per_million` real NOT NULL,
	`output_usd_per_million` real NOT NULL,
	`updated_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `pools` (
	`id` text PRIMARY KEY NOT NULL,
	`model` text NOT NULL,
	`gpu_count` integer NOT NULL,
	`gpu_hourly_usd` real NOT NULL,
	`updated_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `usage_attempts` (
	`request_id` text NOT NULL,
	`attempt` integer NOT NULL,
	`replica_id` text,
	`started_at_ms` integer NOT NULL,
	`http_status` integer NOT NULL,
	`outcome` text NOT NULL,
	`ttfb_ms` integer,
	`duration_ms` integer,
	PRIMARY KEY(`request_id`, `attempt`)
);
--> statement-breakpoint
ALTER TABLE `api_keys` ADD `requests_per_minute` integer;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `tokens_per_minute` integer;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `monthly_budget_usd` real;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `max_concurrency` integer;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `max_tokens_per_request` integer;--> statement-breakpoint
ALTER TABLE `usage_events` ADD `cost_usd` real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `usage_events` ADD `rate_limited` text;