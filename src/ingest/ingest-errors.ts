// Row-level outcomes decided against stored state (linkage, erasure), beside dictionary rules.
import type { RowError } from './record-validator.ts';

export const rowError = (row: number, field: string, code: string, message: string): RowError => ({ row, field, code, message });

export const LINKAGE_MISSING = 'linkage_missing';
export const UNKNOWN_SUBJECT = 'unknown_subject';
export const ERASED_SUBJECT = 'erased_subject';
/** A customer row whose linkage keys name two different stored subjects: refused, never merged. */
export const LINKAGE_CONFLICT = 'linkage_conflict';
