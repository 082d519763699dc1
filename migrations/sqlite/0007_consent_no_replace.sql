-- Custom migration: INSERT OR REPLACE on an existing id deletes the old row without firing
-- the DELETE trigger; refusing an insert over an existing id closes that hole.
CREATE TRIGGER `consent_records_no_replace` BEFORE INSERT ON `consent_records`
WHEN EXISTS (SELECT 1 FROM `consent_records` WHERE `id` = NEW.`id`)
BEGIN SELECT RAISE(ABORT, 'consent_records is append-only'); END;
