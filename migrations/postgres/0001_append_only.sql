-- The invariants SQLite's triggers hold, on PostgreSQL: the audit log and the consent history
-- are append-only (an erased subject's consent history alone may be deleted), and a function
-- that adds {code: count} objects, so quality counters merge in one statement from any instance.
CREATE FUNCTION "veilgate_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'raise_exception';
END $$;--> statement-breakpoint
CREATE TRIGGER "audit_log_no_update" BEFORE UPDATE ON "audit_log" FOR EACH ROW EXECUTE FUNCTION "veilgate_append_only"();--> statement-breakpoint
CREATE TRIGGER "audit_log_no_delete" BEFORE DELETE ON "audit_log" FOR EACH ROW EXECUTE FUNCTION "veilgate_append_only"();--> statement-breakpoint
CREATE TRIGGER "audit_log_no_truncate" BEFORE TRUNCATE ON "audit_log" FOR EACH STATEMENT EXECUTE FUNCTION "veilgate_append_only"();--> statement-breakpoint
CREATE TRIGGER "consent_records_no_update" BEFORE UPDATE ON "consent_records" FOR EACH ROW EXECUTE FUNCTION "veilgate_append_only"();--> statement-breakpoint
CREATE TRIGGER "consent_records_no_truncate" BEFORE TRUNCATE ON "consent_records" FOR EACH STATEMENT EXECUTE FUNCTION "veilgate_append_only"();--> statement-breakpoint
CREATE FUNCTION "veilgate_consent_delete"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM "erasures" WHERE "subject_id" = OLD."subject_id") THEN
    RAISE EXCEPTION 'consent_records is append-only' USING ERRCODE = 'raise_exception';
  END IF;
  RETURN OLD;
END $$;--> statement-breakpoint
CREATE TRIGGER "consent_records_no_delete" BEFORE DELETE ON "consent_records" FOR EACH ROW EXECUTE FUNCTION "veilgate_consent_delete"();--> statement-breakpoint
CREATE FUNCTION "veilgate_add_counts"(a jsonb, b jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(jsonb_object_agg(k, coalesce((a ->> k)::bigint, 0) + coalesce((b ->> k)::bigint, 0)), '{}'::jsonb)
  FROM (SELECT jsonb_object_keys(a) UNION SELECT jsonb_object_keys(b)) AS keys(k)
$$;
