// Re-identifications: ask for one, decide the requests of other DPOs, and the history. Values a
// request granted at once reveals show here, once, in this page's memory only.
import { useState } from 'preact/hooks';
import { Page } from '../../components/page.tsx';
import { defineMessages } from '../../i18n.ts';
import { DecidedHistory } from './reid-history.tsx';
import { PendingQueue } from './reid-queue.tsx';
import { ReidRequestForm } from './reid-request-form.tsx';
import type { ReidResult } from './reid-types.ts';
import { HiddenNote, RevealedIdentities, useEphemeral } from './revealed-identities.tsx';

const useM = defineMessages({
  en: { title: 'Re-identifications' },
  fr: { title: 'Réidentifications' },
});

export default function ReidentificationsPage() {
  const m = useM();
  const [refresh, setRefresh] = useState(0);
  const [revealed, setRevealed] = useEphemeral<{ results: ReidResult[]; fields: string[] }>();
  const [hidden, setHidden] = useState(false);
  const bump = () => setRefresh((n) => n + 1);
  return (
    <Page title={m.title}>
      <ReidRequestForm
        onSubmitted={(s, fields) => {
          setHidden(false);
          setRevealed(s.status === 'granted' ? { results: s.results, fields } : undefined);
          bump();
        }}
      />
      {revealed && (
        <RevealedIdentities
          results={revealed.results}
          fields={revealed.fields}
          onHide={() => {
            setRevealed(undefined);
            setHidden(true);
          }}
        />
      )}
      {hidden && !revealed && <HiddenNote />}
      <PendingQueue refresh={refresh} onDecided={bump} />
      <DecidedHistory refresh={refresh} />
    </Page>
  );
}
