-- Custom migration: consent_state is keyed by (pseudonym, purpose) and written for every
-- consent flag ingested; WITHOUT ROWID keeps it to one B-tree.
CREATE TABLE `consent_state_new` (
	`pseudonym` text NOT NULL,
	`purpose` text NOT NULL,
	`status` text NOT NULL,
	`legal_basis` text NOT NULL,
	`collected_at` integer NOT NULL,
	`expires_at` integer,
	`record_id` integer NOT NULL,
	PRIMARY KEY(`pseudonym`, `purpose`)
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `consent_state_new` SELECT * FROM `consent_state`;
--> statement-breakpoint
DROP TABLE `consent_state`;
--> statement-breakpoint
ALTER TABLE `consent_state_new` RENAME TO `consent_state`;
