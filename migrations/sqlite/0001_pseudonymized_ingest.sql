CREATE TABLE `subject_features` (
	`pseudonym` text PRIMARY KEY NOT NULL,
	`key_version` integer NOT NULL,
	`age` integer,
	`age_band` text,
	`area` text,
	`gender` text,
	`csp` text,
	`income` real,
	`channel_preference` text,
	`tenure_days` integer,
	`tenure_as_of` integer,
	`first_purchase_day` integer,
	`last_purchase_day` integer,
	`frequency` integer DEFAULT 0 NOT NULL,
	`monetary` real DEFAULT 0 NOT NULL,
	`n_web` integer DEFAULT 0 NOT NULL,
	`n_store` integer DEFAULT 0 NOT NULL,
	`n_phone` integer DEFAULT 0 NOT NULL,
	`n_app` integer DEFAULT 0 NOT NULL,
	`provenance` text DEFAULT '{}' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `subject_links` (
	`key_hash` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`pseudonym` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `vault` (
	`pseudonym` text PRIMARY KEY NOT NULL,
	`key_id` text NOT NULL,
	`wrapped_key` blob,
	`ciphertext` blob,
	`fields` text NOT NULL,
	`field_meta` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `transactions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`pseudonym` text NOT NULL,
	`source` text NOT NULL,
	`source_txn_id` text,
	`day` integer NOT NULL,
	`amount` real NOT NULL,
	`currency` text NOT NULL,
	`channel` text NOT NULL,
	`category` text,
	`batch_id` text NOT NULL,
	FOREIGN KEY (`pseudonym`) REFERENCES `subject_features`(`pseudonym`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `transactions_source_txn` ON `transactions` (`source`,`source_txn_id`);--> statement-breakpoint
CREATE INDEX `transactions_pseudonym` ON `transactions` (`pseudonym`);--> statement-breakpoint
CREATE TABLE `ingest_batches` (
	`batch_id` text PRIMARY KEY NOT NULL,
	`source` text NOT NULL,
	`record_type` text NOT NULL,
	`idempotency_key` text,
	`request_hash` text NOT NULL,
	`accepted` integer NOT NULL,
	`rejected` integer NOT NULL,
	`response` text NOT NULL,
	`actor` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ingest_batches_idempotency` ON `ingest_batches` (`source`,`record_type`,`idempotency_key`);--> statement-breakpoint
CREATE TABLE `quality_field_stats` (
	`source` text NOT NULL,
	`record_type` text NOT NULL,
	`field` text NOT NULL,
	`seen` integer NOT NULL,
	`present` integer NOT NULL,
	`valid` integer NOT NULL,
	`invalid_by_rule` text NOT NULL,
	PRIMARY KEY(`source`, `record_type`, `field`)
);
--> statement-breakpoint
CREATE TABLE `quality_source_stats` (
	`source` text NOT NULL,
	`record_type` text NOT NULL,
	`batches` integer NOT NULL,
	`rows` integer NOT NULL,
	`accepted` integer NOT NULL,
	`rejected` integer NOT NULL,
	`duplicates` integer NOT NULL,
	`rejected_by_rule` text NOT NULL,
	`first_batch_at` integer NOT NULL,
	`last_batch_at` integer NOT NULL,
	PRIMARY KEY(`source`, `record_type`)
);
