-- Custom migration: the three tables keyed by random pseudonyms / key hashes become
-- WITHOUT ROWID, so each insert updates one B-tree instead of a rowid table plus its key
-- index (ingest benchmark, issue 3). Columns are unchanged, so drizzle's snapshot still holds.
CREATE TABLE `subject_features_new` (
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
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `subject_features_new` SELECT * FROM `subject_features`;
--> statement-breakpoint
DROP TABLE `subject_features`;
--> statement-breakpoint
ALTER TABLE `subject_features_new` RENAME TO `subject_features`;
--> statement-breakpoint
CREATE TABLE `subject_links_new` (
	`key_hash` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`pseudonym` text NOT NULL,
	`created_at` integer NOT NULL
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `subject_links_new` SELECT * FROM `subject_links`;
--> statement-breakpoint
DROP TABLE `subject_links`;
--> statement-breakpoint
ALTER TABLE `subject_links_new` RENAME TO `subject_links`;
--> statement-breakpoint
CREATE TABLE `vault_new` (
	`pseudonym` text PRIMARY KEY NOT NULL,
	`key_id` text NOT NULL,
	`wrapped_key` blob,
	`ciphertext` blob,
	`fields` text NOT NULL,
	`field_meta` text NOT NULL,
	`updated_at` integer NOT NULL
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `vault_new` SELECT * FROM `vault`;
--> statement-breakpoint
DROP TABLE `vault`;
--> statement-breakpoint
ALTER TABLE `vault_new` RENAME TO `vault`;
