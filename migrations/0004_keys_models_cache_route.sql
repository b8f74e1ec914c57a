ALTER TABLE `api_keys` ADD `allowed_models` text;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `cache_mode` text DEFAULT 'on' NOT NULL;--> statement-breakpoint
ALTER TABLE `usage_events` ADD `tokens_saved` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `usage_events` ADD `route_tier` text;--> statement-breakpoint
ALTER TABLE `usage_events` ADD `route_score` real;