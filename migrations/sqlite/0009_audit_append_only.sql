-- Custom migration: the audit log is append-only, and the consent history may be deleted
-- only for a subject whose erasure is recorded (the data-subject right outranks history).
CREATE TRIGGER `audit_log_no_update` BEFORE UPDATE ON `audit_log`
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
--> statement-breakpoint
CREATE TRIGGER `audit_log_no_delete` BEFORE DELETE ON `audit_log`
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
--> statement-breakpoint
CREATE TRIGGER `audit_log_no_replace` BEFORE INSERT ON `audit_log`
WHEN EXISTS (SELECT 1 FROM `audit_log` WHERE `seq` = NEW.`seq`)
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
--> statement-breakpoint
DROP TRIGGER `consent_records_no_delete`;
--> statement-breakpoint
CREATE TRIGGER `consent_records_no_delete` BEFORE DELETE ON `consent_records`
WHEN NOT EXISTS (SELECT 1 FROM `erasures` WHERE `pseudonym` = OLD.`pseudonym`)
BEGIN SELECT RAISE(ABORT, 'consent_records is append-only'); END;
