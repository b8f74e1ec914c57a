CREATE TABLE `request_payloads` (
	`request_id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`key_id` text NOT NULL,
	`created_at_ms` integer NOT NULL,
	`expires_at_ms` integer NOT NULL,
	`request` text NOT NULL,
	`response` text NOT NULL,
	`truncated` integer DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE INDEX `request_payloads_expires_idx` ON `request_payloads` (`expires_at_ms`);--> statement-breakpoint
ALTER TABLE `api_keys` ADD `log_payloads` integer DEFAULT false NOT NULL;