-- Custom migration: the vault goes back to a rowid table. Its rows (~1 KB: ciphertext and field
-- provenance) were over the local-payload limit of a WITHOUT ROWID B-tree, so nearly every row
-- spilled into an overflow page of its own, and random-order inserts left pages half empty:
-- 100k customers took 211 MB. In a rowid table rows are appended in arrival order and only the
-- small pseudonym index takes random inserts (100k: ~100 MB; ingest benchmark, issue 3).
-- Columns are unchanged, so drizzle's snapshot still holds.
CREATE TABLE `vault_new` (
	`pseudonym` text PRIMARY KEY NOT NULL,
	`key_id` text NOT NULL,
	`wrapped_key` blob,
	`ciphertext` blob,
	`fields` text NOT NULL,
	`field_meta` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
INSERT INTO `vault_new` SELECT * FROM `vault`;
--> statement-breakpoint
DROP TABLE `vault`;
--> statement-breakpoint
ALTER TABLE `vault_new` RENAME TO `vault`;
