CREATE TABLE "service_state" (
	"key" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "subjects" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "subjects_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"pseudonym" text NOT NULL,
	"key_version" integer NOT NULL,
	"age" integer,
	"age_band" text,
	"area" text,
	"gender" text,
	"csp" text,
	"income" double precision,
	"channel_preference" text,
	"tenure_since" integer,
	"first_purchase_day" integer,
	"last_purchase_day" integer,
	"frequency" integer DEFAULT 0 NOT NULL,
	"monetary" double precision DEFAULT 0 NOT NULL,
	"n_web" integer DEFAULT 0 NOT NULL,
	"n_store" integer DEFAULT 0 NOT NULL,
	"n_phone" integer DEFAULT 0 NOT NULL,
	"n_app" integer DEFAULT 0 NOT NULL,
	"provenance" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"consent" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL,
	CONSTRAINT "subjects_pseudonym_unique" UNIQUE("pseudonym")
);
--> statement-breakpoint
CREATE TABLE "subject_links" (
	"key_hash" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"subject_id" bigint NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
-- Hash-partitioned by hand (drizzle-kit has no partitions): an erasure rewrites only the
-- subject's partition (VACUUM FULL), so no dead copy of its wrapped key or ciphertext stays in
-- free page space while the rest of the vault stays available. 16 = VAULT_PARTITIONS.
CREATE TABLE "vault" (
	"subject_id" bigint PRIMARY KEY NOT NULL,
	"key_id" text NOT NULL,
	"wrapped_key" "bytea",
	"ciphertext" "bytea",
	"fields" text NOT NULL,
	"field_meta" text NOT NULL,
	"updated_at" bigint NOT NULL
) PARTITION BY HASH ("subject_id");
--> statement-breakpoint
CREATE TABLE "vault_p0" PARTITION OF "vault" FOR VALUES WITH (MODULUS 16, REMAINDER 0);--> statement-breakpoint
CREATE TABLE "vault_p1" PARTITION OF "vault" FOR VALUES WITH (MODULUS 16, REMAINDER 1);--> statement-breakpoint
CREATE TABLE "vault_p2" PARTITION OF "vault" FOR VALUES WITH (MODULUS 16, REMAINDER 2);--> statement-breakpoint
CREATE TABLE "vault_p3" PARTITION OF "vault" FOR VALUES WITH (MODULUS 16, REMAINDER 3);--> statement-breakpoint
CREATE TABLE "vault_p4" PARTITION OF "vault" FOR VALUES WITH (MODULUS 16, REMAINDER 4);--> statement-breakpoint
CREATE TABLE "vault_p5" PARTITION OF "vault" FOR VALUES WITH (MODULUS 16, REMAINDER 5);--> statement-breakpoint
CREATE TABLE "vault_p6" PARTITION OF "vault" FOR VALUES WITH (MODULUS 16, REMAINDER 6);--> statement-breakpoint
CREATE TABLE "vault_p7" PARTITION OF "vault" FOR VALUES WITH (MODULUS 16, REMAINDER 7);--> statement-breakpoint
CREATE TABLE "vault_p8" PARTITION OF "vault" FOR VALUES WITH (MODULUS 16, REMAINDER 8);--> statement-breakpoint
CREATE TABLE "vault_p9" PARTITION OF "vault" FOR VALUES WITH (MODULUS 16, REMAINDER 9);--> statement-breakpoint
CREATE TABLE "vault_p10" PARTITION OF "vault" FOR VALUES WITH (MODULUS 16, REMAINDER 10);--> statement-breakpoint
CREATE TABLE "vault_p11" PARTITION OF "vault" FOR VALUES WITH (MODULUS 16, REMAINDER 11);--> statement-breakpoint
CREATE TABLE "vault_p12" PARTITION OF "vault" FOR VALUES WITH (MODULUS 16, REMAINDER 12);--> statement-breakpoint
CREATE TABLE "vault_p13" PARTITION OF "vault" FOR VALUES WITH (MODULUS 16, REMAINDER 13);--> statement-breakpoint
CREATE TABLE "vault_p14" PARTITION OF "vault" FOR VALUES WITH (MODULUS 16, REMAINDER 14);--> statement-breakpoint
CREATE TABLE "vault_p15" PARTITION OF "vault" FOR VALUES WITH (MODULUS 16, REMAINDER 15);--> statement-breakpoint
CREATE TABLE "transactions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "transactions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"subject_id" bigint NOT NULL,
	"source" text NOT NULL,
	"source_txn_id" text,
	"day" integer NOT NULL,
	"amount" double precision NOT NULL,
	"currency" text NOT NULL,
	"channel" text NOT NULL,
	"category" text,
	"batch_id" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ingest_batches" (
	"batch_id" text PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"record_type" text NOT NULL,
	"idempotency_key" text,
	"request_hash" text NOT NULL,
	"accepted" integer NOT NULL,
	"rejected" integer NOT NULL,
	"response" text NOT NULL,
	"actor" text NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "quality_field_stats" (
	"source" text NOT NULL,
	"record_type" text NOT NULL,
	"field" text NOT NULL,
	"seen" bigint NOT NULL,
	"present" bigint NOT NULL,
	"valid" bigint NOT NULL,
	"invalid_by_rule" jsonb NOT NULL,
	CONSTRAINT "quality_field_stats_source_record_type_field_pk" PRIMARY KEY("source","record_type","field")
);
--> statement-breakpoint
CREATE TABLE "quality_source_stats" (
	"source" text NOT NULL,
	"record_type" text NOT NULL,
	"batches" bigint NOT NULL,
	"rows" bigint NOT NULL,
	"accepted" bigint NOT NULL,
	"rejected" bigint NOT NULL,
	"duplicates" bigint NOT NULL,
	"rejected_by_rule" jsonb NOT NULL,
	"first_batch_at" bigint NOT NULL,
	"last_batch_at" bigint NOT NULL,
	CONSTRAINT "quality_source_stats_source_record_type_pk" PRIMARY KEY("source","record_type")
);
--> statement-breakpoint
CREATE TABLE "consent_records" (
	"id" bigint PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY (sequence name "consent_records_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"subject_id" bigint NOT NULL,
	"purpose" text NOT NULL,
	"status" text NOT NULL,
	"legal_basis" text NOT NULL,
	"source" text NOT NULL,
	"collected_at" bigint NOT NULL,
	"expires_at" bigint,
	"notice_version" text,
	"recorded_at" bigint NOT NULL,
	"recorded_by" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "segment_member_chunks" (
	"run_id" text NOT NULL,
	"segment_id" text NOT NULL,
	"chunk" integer NOT NULL,
	"members" text NOT NULL,
	CONSTRAINT "segment_member_chunks_run_id_segment_id_chunk_pk" PRIMARY KEY("run_id","segment_id","chunk")
);
--> statement-breakpoint
CREATE TABLE "segmentation_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"owner" text NOT NULL,
	"issuer_id" text NOT NULL,
	"roles" text NOT NULL,
	"purpose" text NOT NULL,
	"method" text NOT NULL,
	"params" text NOT NULL,
	"status" text NOT NULL,
	"progress" double precision DEFAULT 0 NOT NULL,
	"result" text,
	"error" text,
	"policy_version" text NOT NULL,
	"privilege" text,
	"job" text,
	"claimed_by" text,
	"lease_until" bigint,
	"attempts" integer DEFAULT 0 NOT NULL,
	"created_at" bigint NOT NULL,
	"started_at" bigint,
	"finished_at" bigint
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"at" bigint NOT NULL,
	"actor_issuer" text NOT NULL,
	"actor_subject" text NOT NULL,
	"roles" text NOT NULL,
	"action" text NOT NULL,
	"outcome" text NOT NULL,
	"purpose" text,
	"justification" text,
	"subjects" text NOT NULL,
	"policy_version" text NOT NULL,
	"request_id" text,
	"detail" text NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reidentification_requests" (
	"id" text PRIMARY KEY NOT NULL,
	"requester" text NOT NULL,
	"issuer_id" text NOT NULL,
	"roles" text NOT NULL,
	"purpose" text NOT NULL,
	"justification" text NOT NULL,
	"pseudonyms" text NOT NULL,
	"fields" text NOT NULL,
	"status" text NOT NULL,
	"decided_by" text,
	"decided_at" bigint,
	"delivered_at" bigint,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "erasures" (
	"pseudonym" text PRIMARY KEY NOT NULL,
	"seq" bigint GENERATED ALWAYS AS IDENTITY (sequence name "erasures_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"subject_id" bigint,
	"erased_at" bigint NOT NULL,
	"receipt" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "suppressions" (
	"key_hash" text PRIMARY KEY NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dsr_requests" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"requester" text NOT NULL,
	"reference" text NOT NULL,
	"identifier_type" text NOT NULL,
	"pseudonym" text,
	"status" text NOT NULL,
	"withheld" text DEFAULT '[]' NOT NULL,
	"decided_by" text,
	"decided_at" bigint,
	"delivered_at" bigint,
	"receipt" text,
	"maintenance" text,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_subject_id_subjects_id_fk" FOREIGN KEY ("subject_id") REFERENCES "public"."subjects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "subject_links_subject" ON "subject_links" USING btree ("subject_id");--> statement-breakpoint
CREATE UNIQUE INDEX "transactions_source_txn" ON "transactions" USING btree ("source","source_txn_id");--> statement-breakpoint
CREATE INDEX "transactions_subject" ON "transactions" USING btree ("subject_id");--> statement-breakpoint
CREATE UNIQUE INDEX "ingest_batches_idempotency" ON "ingest_batches" USING btree ("source","record_type","idempotency_key");--> statement-breakpoint
CREATE INDEX "consent_records_subject" ON "consent_records" USING btree ("subject_id","purpose");--> statement-breakpoint
CREATE INDEX "segmentation_runs_owner" ON "segmentation_runs" USING btree ("owner","created_at");--> statement-breakpoint
CREATE INDEX "segmentation_runs_status" ON "segmentation_runs" USING btree ("status");--> statement-breakpoint
CREATE INDEX "audit_log_actor_at" ON "audit_log" USING btree ("actor_issuer","actor_subject","at");--> statement-breakpoint
CREATE INDEX "audit_log_action_at" ON "audit_log" USING btree ("action","at");--> statement-breakpoint
CREATE INDEX "reidentification_requests_requester_at" ON "reidentification_requests" USING btree ("requester","created_at");--> statement-breakpoint
CREATE INDEX "erasures_subject" ON "erasures" USING btree ("subject_id");--> statement-breakpoint
CREATE INDEX "dsr_requests_requester_at" ON "dsr_requests" USING btree ("requester","created_at");--> statement-breakpoint
CREATE INDEX "dsr_requests_pseudonym" ON "dsr_requests" USING btree ("pseudonym");