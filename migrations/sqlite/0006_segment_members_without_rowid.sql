-- Custom migration: members are written in (run, segment, pseudonym) order by the job, so a
-- WITHOUT ROWID table turns a 1M-member run into sequential appends to one B-tree.
CREATE TABLE `segment_members_new` (
	`run_id` text NOT NULL,
	`segment_id` text NOT NULL,
	`pseudonym` text NOT NULL,
	PRIMARY KEY(`run_id`, `segment_id`, `pseudonym`)
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `segment_members_new` SELECT * FROM `segment_members`;
--> statement-breakpoint
DROP TABLE `segment_members`;
--> statement-breakpoint
ALTER TABLE `segment_members_new` RENAME TO `segment_members`;
