CREATE TABLE `consent_records` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`pseudonym` text NOT NULL,
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
CREATE INDEX `consent_records_subject` ON `consent_records` (`pseudonym`,`purpose`);--> statement-breakpoint
CREATE TABLE `consent_state` (
	`pseudonym` text NOT NULL,
	`purpose` text NOT NULL,
	`status` text NOT NULL,
	`legal_basis` text NOT NULL,
	`collected_at` integer NOT NULL,
	`expires_at` integer,
	`record_id` integer NOT NULL,
	PRIMARY KEY(`pseudonym`, `purpose`)
);
--> statement-breakpoint
CREATE INDEX `consent_state_purpose` ON `consent_state` (`purpose`,`status`);