// manifest.json of a generated data set: options, row counts, planted bad rows by kind, and the ingest results to expect.
import { CUSTOMER_BAD_KINDS, TRANSACTION_BAD_KINDS, type CustomerBadKind, type TransactionBadKind } from './bad-rows.ts';
import { PERSONAS, PERSONA_IDS, type PersonaId } from './personas.ts';
import type { DemoTally, ResolvedDemoOptions } from './generate.ts';

export const DEMO_FILES = {
  customers: 'customers.csv',
  transactions: 'transactions.ndjson',
  readme: 'README.txt',
  manifest: 'manifest.json',
} as const;

export interface DemoManifest {
  generator: 'veilgate demo-data';
  format_version: 1;
  seed: number;
  reference_date: string;
  options: { customers: number; bad_share: number; duplicate_share: number; transactions_per_customer: number };
  files: typeof DEMO_FILES;
  customers: {
    /** Data rows in customers.csv (header excluded): unique + duplicates. */
    rows: number;
    /** Distinct customers (= options.customers). */
    unique: number;
    /** Distinct customers without a planted violation. */
    valid: number;
    bad: number;
    /** Second rows of valid customers: same customer_id, email re-cased and padded with spaces. */
    duplicates: number;
    bad_by_kind: Record<CustomerBadKind, number>;
    /** Latent types of the valid customers (the planted segment structure). */
    personas: Record<PersonaId, number>;
  };
  transactions: {
    rows: number;
    valid: number;
    bad: number;
    with_customer_id: number;
    with_email_only: number;
    bad_by_kind: Record<TransactionBadKind, number>;
  };
  /** For each bad kind, the field and the rule code ingest reports for it. */
  bad_kinds: {
    customers: Record<CustomerBadKind, { field: string; code: string; description: string }>;
    transactions: Record<TransactionBadKind, { field: string; code: string; description: string }>;
  };
  persona_descriptions: Record<PersonaId, string>;
  /**
   * What ingesting customers.csv then transactions.ndjson into one source should report when
   * each file is one batch, non-atomic: duplicates are counted within a batch only.
   */
  expected_ingest: {
    customers: { accepted: number; rejected: number; duplicates: number; subjects: number };
    transactions: { accepted: number; rejected: number };
  };
}

export function buildManifest(o: ResolvedDemoOptions, t: DemoTally): DemoManifest {
  const badCustomers = t.badCustomerCount;
  const badTransactions = t.badTransactionCount;
  return {
    generator: 'veilgate demo-data',
    format_version: 1,
    seed: o.seed,
    reference_date: o.referenceDate,
    options: {
      customers: o.count,
      bad_share: o.badShare,
      duplicate_share: o.duplicateShare,
      transactions_per_customer: o.transactionsPerCustomer,
    },
    files: DEMO_FILES,
    customers: {
      rows: t.customerRows,
      unique: t.customers,
      valid: t.customers - badCustomers,
      bad: badCustomers,
      duplicates: t.duplicates,
      bad_by_kind: { ...t.badCustomers },
      personas: { ...t.personas },
    },
    transactions: {
      rows: t.transactions,
      valid: t.transactions - badTransactions,
      bad: badTransactions,
      with_customer_id: t.transactionsByCustomerId,
      with_email_only: t.transactionsByEmail,
      bad_by_kind: { ...t.badTransactions },
    },
    bad_kinds: { customers: CUSTOMER_BAD_KINDS, transactions: TRANSACTION_BAD_KINDS },
    persona_descriptions: Object.fromEntries(PERSONA_IDS.map((p) => [p, PERSONAS[p].description])) as Record<PersonaId, string>,
    expected_ingest: {
      customers: { accepted: t.customerRows - badCustomers, rejected: badCustomers, duplicates: t.duplicates, subjects: t.customers - badCustomers },
      transactions: { accepted: t.transactions - badTransactions, rejected: badTransactions },
    },
  };
}
