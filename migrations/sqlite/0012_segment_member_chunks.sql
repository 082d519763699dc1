CREATE TABLE `segment_member_chunks` (
	`run_id` text NOT NULL,
	`segment_id` text NOT NULL,
	`chunk` integer NOT NULL,
	`members` text NOT NULL,
	PRIMARY KEY(`run_id`, `segment_id`, `chunk`)
);
--> statement-breakpoint
-- Existing members move into chunks of 1024 slots (MEMBER_CHUNK), in pseudonym order.
INSERT INTO `segment_member_chunks` (`run_id`, `segment_id`, `chunk`, `members`)
SELECT `run_id`, `segment_id`, `slot` / 1024, group_concat(`pseudonym`, char(10) ORDER BY `pseudonym`)
FROM (SELECT `run_id`, `segment_id`, `pseudonym`, row_number() OVER (PARTITION BY `run_id`, `segment_id` ORDER BY `pseudonym`) - 1 AS `slot` FROM `segment_members`)
GROUP BY `run_id`, `segment_id`, `slot` / 1024;
