ALTER TABLE `segmentation_runs` ADD `job` text;--> statement-breakpoint
ALTER TABLE `segmentation_runs` ADD `claimed_by` text;--> statement-breakpoint
ALTER TABLE `segmentation_runs` ADD `lease_until` integer;--> statement-breakpoint
ALTER TABLE `segmentation_runs` ADD `attempts` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `segmentation_runs_owner` ON `segmentation_runs` (`owner`,`created_at`);--> statement-breakpoint
CREATE INDEX `segmentation_runs_status` ON `segmentation_runs` (`status`);--> statement-breakpoint
-- Added by hand: runs left unfinished by a version without the stored queue have no job to resume
-- (that version failed them at its next start, as this does once).
UPDATE `segmentation_runs` SET `status` = 'failed', `finished_at` = CAST((julianday('now') - 2440587.5) * 86400000 AS integer),
  `error` = '{"code":"interrupted","message":"The gateway stopped while this run was in progress; submit it again."}'
WHERE `status` IN ('queued', 'running');
