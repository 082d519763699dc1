CREATE TABLE `segment_members` (
	`run_id` text NOT NULL,
	`segment_id` text NOT NULL,
	`pseudonym` text NOT NULL,
	PRIMARY KEY(`run_id`, `segment_id`, `pseudonym`)
);
--> statement-breakpoint
CREATE TABLE `segmentation_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`owner` text NOT NULL,
	`issuer_id` text NOT NULL,
	`roles` text NOT NULL,
	`purpose` text NOT NULL,
	`method` text NOT NULL,
	`params` text NOT NULL,
	`status` text NOT NULL,
	`progress` real DEFAULT 0 NOT NULL,
	`result` text,
	`error` text,
	`policy_version` text NOT NULL,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`finished_at` integer
);
