-- Written by hand over the generated migration: existing data directories keep every subject,
-- link, vault row (shredded ones included), transaction and consent record, now keyed by a
-- sequential subject id; the consent state moves into the subject's row.
CREATE TABLE `subjects` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`pseudonym` text NOT NULL,
	`key_version` integer NOT NULL,
	`age` integer,
	`age_band` text,
	`area` text,
	`gender` text,
	`csp` text,
	`income` real,
	`channel_preference` text,
	`tenure_since` integer,
	`first_purchase_day` integer,
	`last_purchase_day` integer,
	`frequency` integer DEFAULT 0 NOT NULL,
	`monetary` real DEFAULT 0 NOT NULL,
	`n_web` integer DEFAULT 0 NOT NULL,
	`n_store` integer DEFAULT 0 NOT NULL,
	`n_phone` integer DEFAULT 0 NOT NULL,
	`n_app` integer DEFAULT 0 NOT NULL,
	`provenance` text DEFAULT '{}' NOT NULL,
	`consent` text DEFAULT '{}' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
INSERT INTO `subjects` (`pseudonym`, `key_version`, `age`, `age_band`, `area`, `gender`, `csp`, `income`, `channel_preference`, `tenure_since`,
  `first_purchase_day`, `last_purchase_day`, `frequency`, `monetary`, `n_web`, `n_store`, `n_phone`, `n_app`, `provenance`, `consent`, `created_at`, `updated_at`)
SELECT f.`pseudonym`, f.`key_version`, f.`age`, f.`age_band`, f.`area`, f.`gender`, f.`csp`, f.`income`, f.`channel_preference`, f.`tenure_since`,
  f.`first_purchase_day`, f.`last_purchase_day`, f.`frequency`, f.`monetary`, f.`n_web`, f.`n_store`, f.`n_phone`, f.`n_app`, f.`provenance`,
  coalesce((SELECT json_group_object(cs.`purpose`, json_array(cs.`status`, cs.`legal_basis`, cs.`collected_at`, cs.`expires_at`, cs.`record_id`))
    FROM `consent_state` cs WHERE cs.`pseudonym` = f.`pseudonym`), '{}'),
  f.`created_at`, f.`updated_at`
FROM `subject_features` f ORDER BY f.`created_at`, f.`pseudonym`;--> statement-breakpoint
CREATE UNIQUE INDEX `subjects_pseudonym_unique` ON `subjects` (`pseudonym`);--> statement-breakpoint
-- Every pseudonym held anywhere gets an id: erased subjects (only a shredded vault row is left)
-- get ids above the live ones, and the sequence moves past them so no id is handed out twice.
CREATE TABLE `__subject_ids` (`pseudonym` text PRIMARY KEY NOT NULL, `id` integer NOT NULL) WITHOUT ROWID;--> statement-breakpoint
INSERT INTO `__subject_ids` SELECT `pseudonym`, `id` FROM `subjects`;--> statement-breakpoint
INSERT INTO `__subject_ids`
SELECT p, (SELECT coalesce(max(`id`), 0) FROM `subjects`) + row_number() OVER (ORDER BY p) FROM (
  SELECT `pseudonym` AS p FROM `vault` UNION SELECT `pseudonym` FROM `consent_records`
  UNION SELECT `pseudonym` FROM `subject_links` WHERE `pseudonym` <> '*shared'
) WHERE p NOT IN (SELECT `pseudonym` FROM `subjects`);--> statement-breakpoint
DELETE FROM `sqlite_sequence` WHERE `name` = 'subjects';--> statement-breakpoint
INSERT INTO `sqlite_sequence` (`name`, `seq`) SELECT 'subjects', coalesce(max(`id`), 0) FROM `__subject_ids`;--> statement-breakpoint
CREATE TABLE `__old_sequences` AS SELECT `name`, `seq` FROM `sqlite_sequence` WHERE `name` IN ('transactions', 'consent_records');--> statement-breakpoint
CREATE TABLE `__new_subject_links` (
	`key_hash` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`subject_id` integer NOT NULL,
	`created_at` integer NOT NULL
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `__new_subject_links` SELECT l.`key_hash`, l.`kind`, CASE WHEN l.`pseudonym` = '*shared' THEN 0 ELSE m.`id` END, l.`created_at`
FROM `subject_links` l LEFT JOIN `__subject_ids` m ON m.`pseudonym` = l.`pseudonym`;--> statement-breakpoint
DROP TABLE `subject_links`;--> statement-breakpoint
ALTER TABLE `__new_subject_links` RENAME TO `subject_links`;--> statement-breakpoint
CREATE INDEX `subject_links_subject` ON `subject_links` (`subject_id`);--> statement-breakpoint
CREATE TABLE `__new_vault` (
	`subject_id` integer PRIMARY KEY NOT NULL,
	`key_id` text NOT NULL,
	`wrapped_key` blob,
	`ciphertext` blob,
	`fields` text NOT NULL,
	`field_meta` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
INSERT INTO `__new_vault` SELECT m.`id`, v.`key_id`, v.`wrapped_key`, v.`ciphertext`, v.`fields`, v.`field_meta`, v.`updated_at`
FROM `vault` v JOIN `__subject_ids` m ON m.`pseudonym` = v.`pseudonym` ORDER BY m.`id`;--> statement-breakpoint
DROP TABLE `vault`;--> statement-breakpoint
ALTER TABLE `__new_vault` RENAME TO `vault`;--> statement-breakpoint
CREATE TABLE `__new_transactions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`subject_id` integer NOT NULL,
	`source` text NOT NULL,
	`source_txn_id` text,
	`day` integer NOT NULL,
	`amount` real NOT NULL,
	`currency` text NOT NULL,
	`channel` text NOT NULL,
	`category` text,
	`batch_id` text NOT NULL,
	FOREIGN KEY (`subject_id`) REFERENCES `subjects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_transactions` SELECT t.`id`, m.`id`, t.`source`, t.`source_txn_id`, t.`day`, t.`amount`, t.`currency`, t.`channel`, t.`category`, t.`batch_id`
FROM `transactions` t JOIN `__subject_ids` m ON m.`pseudonym` = t.`pseudonym`;--> statement-breakpoint
DROP TABLE `transactions`;--> statement-breakpoint
ALTER TABLE `__new_transactions` RENAME TO `transactions`;--> statement-breakpoint
CREATE UNIQUE INDEX `transactions_source_txn` ON `transactions` (`source`,`source_txn_id`);--> statement-breakpoint
CREATE INDEX `transactions_subject` ON `transactions` (`subject_id`);--> statement-breakpoint
DROP TRIGGER `consent_records_no_update`;--> statement-breakpoint
DROP TRIGGER `consent_records_no_delete`;--> statement-breakpoint
DROP TRIGGER `consent_records_no_replace`;--> statement-breakpoint
CREATE TABLE `__new_consent_records` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`subject_id` integer NOT NULL,
	`purpose` text NOT NULL,
	`status` text NOT NULL,
	`legal_basis` text NOT NULL,
	`source` text NOT NULL,
	`collected_at` integer NOT NULL,
	`expires_at` integer,
	`notice_version` text,
	`recorded_at` integer NOT NULL,
	`recorded_by` text NOT NULL
);
--> statement-breakpoint
INSERT INTO `__new_consent_records` SELECT c.`id`, m.`id`, c.`purpose`, c.`status`, c.`legal_basis`, c.`source`, c.`collected_at`, c.`expires_at`,
  c.`notice_version`, c.`recorded_at`, c.`recorded_by`
FROM `consent_records` c JOIN `__subject_ids` m ON m.`pseudonym` = c.`pseudonym` ORDER BY c.`id`;--> statement-breakpoint
DROP TABLE `consent_records`;--> statement-breakpoint
ALTER TABLE `__new_consent_records` RENAME TO `consent_records`;--> statement-breakpoint
CREATE INDEX `consent_records_subject` ON `consent_records` (`subject_id`,`purpose`);--> statement-breakpoint
-- ids of deleted rows (an erased subject's history) are not handed out again
UPDATE `sqlite_sequence` SET `seq` = max(`seq`, coalesce((SELECT o.`seq` FROM `__old_sequences` o WHERE o.`name` = `sqlite_sequence`.`name`), 0))
WHERE `name` IN ('transactions', 'consent_records');--> statement-breakpoint
INSERT INTO `sqlite_sequence` (`name`, `seq`) SELECT o.`name`, o.`seq` FROM `__old_sequences` o
WHERE NOT EXISTS (SELECT 1 FROM `sqlite_sequence` s WHERE s.`name` = o.`name`);--> statement-breakpoint
CREATE TRIGGER `consent_records_no_update` BEFORE UPDATE ON `consent_records`
BEGIN SELECT RAISE(ABORT, 'consent_records is append-only'); END;--> statement-breakpoint
CREATE TRIGGER `consent_records_no_delete` BEFORE DELETE ON `consent_records`
WHEN NOT EXISTS (SELECT 1 FROM `erasures` WHERE `subject_id` = OLD.`subject_id`)
BEGIN SELECT RAISE(ABORT, 'consent_records is append-only'); END;--> statement-breakpoint
CREATE TRIGGER `consent_records_no_replace` BEFORE INSERT ON `consent_records`
WHEN EXISTS (SELECT 1 FROM `consent_records` WHERE `id` = NEW.`id`)
BEGIN SELECT RAISE(ABORT, 'consent_records is append-only'); END;--> statement-breakpoint
ALTER TABLE `erasures` ADD `subject_id` integer;--> statement-breakpoint
CREATE INDEX `erasures_subject` ON `erasures` (`subject_id`);--> statement-breakpoint
UPDATE `erasures` SET `subject_id` = (SELECT m.`id` FROM `__subject_ids` m WHERE m.`pseudonym` = `erasures`.`pseudonym`);--> statement-breakpoint
DROP TABLE `consent_state`;--> statement-breakpoint
DROP TABLE `subject_features`;--> statement-breakpoint
DROP TABLE `__old_sequences`;--> statement-breakpoint
DROP TABLE `__subject_ids`;
