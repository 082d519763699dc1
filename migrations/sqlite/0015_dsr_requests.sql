CREATE TABLE `dsr_requests` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`requester` text NOT NULL,
	`reference` text NOT NULL,
	`identifier_type` text NOT NULL,
	`pseudonym` text,
	`status` text NOT NULL,
	`withheld` text DEFAULT '[]' NOT NULL,
	`decided_by` text,
	`decided_at` integer,
	`delivered_at` integer,
	`receipt` text,
	`maintenance` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `dsr_requests_requester_at` ON `dsr_requests` (`requester`,`created_at`);--> statement-breakpoint
CREATE INDEX `dsr_requests_pseudonym` ON `dsr_requests` (`pseudonym`);