CREATE TABLE `audit_log` (
	`seq` integer PRIMARY KEY NOT NULL,
	`at` integer NOT NULL,
	`actor_issuer` text NOT NULL,
	`actor_subject` text NOT NULL,
	`roles` text NOT NULL,
	`action` text NOT NULL,
	`outcome` text NOT NULL,
	`purpose` text,
	`justification` text,
	`subjects` text NOT NULL,
	`policy_version` text NOT NULL,
	`request_id` text,
	`detail` text NOT NULL,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_log_actor_at` ON `audit_log` (`actor_issuer`,`actor_subject`,`at`);--> statement-breakpoint
CREATE INDEX `audit_log_action_at` ON `audit_log` (`action`,`at`);--> statement-breakpoint
CREATE TABLE `reidentification_requests` (
	`id` text PRIMARY KEY NOT NULL,
	`requester` text NOT NULL,
	`issuer_id` text NOT NULL,
	`roles` text NOT NULL,
	`purpose` text NOT NULL,
	`justification` text NOT NULL,
	`pseudonyms` text NOT NULL,
	`fields` text NOT NULL,
	`status` text NOT NULL,
	`decided_by` text,
	`decided_at` integer,
	`delivered_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `erasures` (
	`pseudonym` text PRIMARY KEY NOT NULL,
	`erased_at` integer NOT NULL,
	`receipt` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `suppressions` (
	`key_hash` text PRIMARY KEY NOT NULL,
	`created_at` integer NOT NULL
);
