-- Custom migration: consent history is append-only. Corrections are new records.
CREATE TRIGGER `consent_records_no_update` BEFORE UPDATE ON `consent_records`
BEGIN SELECT RAISE(ABORT, 'consent_records is append-only'); END;
--> statement-breakpoint
CREATE TRIGGER `consent_records_no_delete` BEFORE DELETE ON `consent_records`
BEGIN SELECT RAISE(ABORT, 'consent_records is append-only'); END;
