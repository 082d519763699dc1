// A member export the user asked for: the gateway streams the CSV (pseudonyms only), the browser
// saves it. The export is audited by the gateway; a refusal shows as the API gave it.
import { useState } from 'preact/hooks';
import { apiFile, saveFile } from '../../api.ts';
import { ProblemMessage } from '../../components/problem-message.tsx';
import { defineMessages } from '../../i18n.ts';

const useM = defineMessages({
  en: { preparing: 'Preparing the file…', saved: 'File saved.' },
  fr: { preparing: 'Préparation du fichier…', saved: 'Fichier enregistré.' },
});

export function MemberDownload(props: {
  path: string;
  fileName: string;
  text: string;
  /** Read after the text by screen readers: which segment. */ context?: string;
}) {
  const m = useM();
  const [state, setState] = useState<'idle' | 'busy' | 'done'>('idle');
  const [error, setError] = useState<unknown>();
  const download = async () => {
    setState('busy');
    setError(undefined);
    try {
      saveFile(await apiFile(props.path, 'text/csv'), props.fileName);
      setState('done');
    } catch (e) {
      setError(e);
      setState('idle');
    }
  };
  return (
    <div class="member-download">
      <button type="button" class="secondary" disabled={state === 'busy'} onClick={download}>
        {props.text}
        {props.context && <span class="visually-hidden"> — {props.context}</span>}
      </button>
      <span role="status" class="muted small">
        {state === 'busy' ? m.preparing : state === 'done' ? m.saved : ''}
      </span>
      <ProblemMessage error={error} />
    </div>
  );
}
