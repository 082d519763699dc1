// The audit chain's state as GET /v1/audit/verify recomputes it: verified up to the head, or broken
// at the first entry that does not hold (each verification is itself an audit entry).
import { useApi } from '../../api.ts';
import { ProblemMessage } from '../../components/problem-message.tsx';
import { defineMessages } from '../../i18n.ts';
import type { Verification } from './audit-types.ts';

const useM = defineMessages({
  en: {
    title: 'Hash chain',
    checking: 'Verifying the chain…',
    verified: (p: { seq: number }) => `Verified up to seq ${p.seq}`,
    empty: 'Verified: the log is empty',
    broken: (p: { seq: number }) => `Broken at seq ${p.seq}`,
    unavailable: 'Chain status unavailable',
    again: 'Verify again',
    reason_hash_mismatch: 'This entry was changed after it was written.',
    reason_chain_broken: 'This entry does not follow the one before it.',
    reason_seq_gap: 'An entry is missing here.',
    reason_truncated: 'Entries were removed from the end of the log.',
    reason_head_mismatch: 'The sealed head does not match this entry.',
    reason_head_missing: 'The sealed head of the log is missing.',
    reason_head_invalid: 'The sealed head of the log cannot be read.',
    reason_head_forged: 'The sealed head of the log is not genuine.',
    reason_checkpoint_mismatch: 'A kept checkpoint does not match this entry.',
    reasonOther: (p: { reason: string }) => `Reason: ${p.reason}.`,
  },
  fr: {
    title: 'Chaîne de hachage',
    checking: 'Vérification de la chaîne…',
    verified: (p: { seq: number }) => `Vérifiée jusqu'à la séq. ${p.seq}`,
    empty: 'Vérifiée : le journal est vide',
    broken: (p: { seq: number }) => `Rompue à la séq. ${p.seq}`,
    unavailable: 'État de la chaîne indisponible',
    again: 'Vérifier à nouveau',
    reason_hash_mismatch: 'Cette entrée a été modifiée après son écriture.',
    reason_chain_broken: 'Cette entrée ne suit pas la précédente.',
    reason_seq_gap: 'Une entrée manque ici.',
    reason_truncated: 'Des entrées ont été retirées de la fin du journal.',
    reason_head_mismatch: 'La tête scellée ne correspond pas à cette entrée.',
    reason_head_missing: 'La tête scellée du journal est absente.',
    reason_head_invalid: 'La tête scellée du journal est illisible.',
    reason_head_forged: "La tête scellée du journal n'est pas authentique.",
    reason_checkpoint_mismatch: 'Un point de contrôle conservé ne correspond pas à cette entrée.',
    reasonOther: (p: { reason: string }) => `Motif : ${p.reason}.`,
  },
});

export function ChainStatus() {
  const m = useM();
  const v = useApi<Verification>('/v1/audit/verify');
  const reason = v.data?.reason;
  const reasons: Record<string, string> = {
    hash_mismatch: m.reason_hash_mismatch,
    chain_broken: m.reason_chain_broken,
    seq_gap: m.reason_seq_gap,
    truncated: m.reason_truncated,
    head_mismatch: m.reason_head_mismatch,
    head_missing: m.reason_head_missing,
    head_invalid: m.reason_head_invalid,
    head_forged: m.reason_head_forged,
    checkpoint_mismatch: m.reason_checkpoint_mismatch,
  };
  const reasonText = reason ? (reasons[reason] ?? m.reasonOther({ reason })) : undefined;
  return (
    <div class="chain-status">
      <p role="status" aria-live="polite">
        <span class="visually-hidden">{m.title}: </span>
        {v.loading ? (
          <span class="badge neutral">{m.checking}</span>
        ) : v.data?.ok ? (
          <span class="badge ok" data-chain="ok" data-seq={v.data.head?.seq ?? 0}>
            {v.data.head ? m.verified({ seq: v.data.head.seq }) : m.empty}
          </span>
        ) : v.data ? (
          <span class="badge bad" data-chain="broken" data-seq={v.data.first_invalid_seq ?? ''}>
            {m.broken({ seq: v.data.first_invalid_seq ?? 0 })}
          </span>
        ) : (
          <span class="badge neutral">{m.unavailable}</span>
        )}{' '}
        {reasonText && <span class="chain-reason">{reasonText}</span>}
      </p>
      <button type="button" class="secondary" onClick={v.reload} disabled={v.loading}>
        {m.again}
      </button>
      <ProblemMessage error={v.error} />
    </div>
  );
}
