ALTER TABLE `subject_features` ADD `tenure_since` integer;--> statement-breakpoint
-- Added by hand to the generated migration: existing rows keep their tenure, generalized to the
-- first day of the signup month (the default granularity), before the exact pair is dropped.
UPDATE `subject_features` SET `tenure_since` = CAST(julianday(date((coalesce(`tenure_as_of`, `created_at` / 86400000) - `tenure_days`) * 86400, 'unixepoch', 'start of month')) - 2440587.5 AS integer) WHERE `tenure_days` IS NOT NULL;--> statement-breakpoint
ALTER TABLE `subject_features` DROP COLUMN `tenure_days`;--> statement-breakpoint
ALTER TABLE `subject_features` DROP COLUMN `tenure_as_of`;
