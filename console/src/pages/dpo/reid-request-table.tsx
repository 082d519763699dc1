// What the queue and the history of re-identification requests share: a page of requests in one
// state behind a cursor, reloaded when the page says something changed, shown as a table with its
// loading, error and empty states and its pager. Each says which columns it shows.
import { useEffect, useState } from 'preact/hooks';
import { useApi, type Resource } from '../../api.ts';
import { DataTable, type Column } from '../../components/data-table.tsx';
import { Loading } from '../../components/page.tsx';
import { ProblemMessage } from '../../components/problem-message.tsx';
import { Pager, useCursorTrail, type CursorTrail } from './pager.tsx';
import type { ListedRequest, RequestList } from './reid-types.ts';

export interface RequestPage {
  list: Resource<RequestList>;
  cursor: string | undefined;
  trail: CursorTrail;
}

/** The requests in `status`, a page at a time; a `refresh` above 0 asks again. */
export function useRequestPage(status: 'pending_approval' | 'decided', refresh: number): RequestPage {
  const [cursor, setCursor] = useState<string>();
  const trail = useCursorTrail(setCursor);
  const list = useApi<RequestList>(`/v1/reidentifications?status=${status}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
  useEffect(() => {
    if (refresh > 0) list.reload();
  }, [refresh]);
  return { list, cursor, trail };
}

export function Pseudonyms(props: { r: ListedRequest; notPseudonyms: (p: { n: number }) => string }) {
  return (
    <ul class="plain">
      {props.r.pseudonyms.map((p) => (
        <li key={p}>
          <code>{p}</code>
        </li>
      ))}
      {props.r.not_pseudonyms > 0 && <li class="muted small">{props.notPseudonyms({ n: props.r.not_pseudonyms })}</li>}
    </ul>
  );
}

export function RequestTable(props: {
  page: RequestPage;
  class: string;
  words: { loading: string; none: string; caption: string; pages: string };
  columns: Column<ListedRequest>[];
  rowProps: (r: ListedRequest) => Record<string, string>;
}) {
  const { list, cursor, trail } = props.page;
  const w = props.words;
  const requests = list.data?.requests;
  return (
    <>
      {list.loading && !requests && <Loading label={w.loading} />}
      <ProblemMessage error={list.error} />
      {requests && requests.length === 0 && <p class="muted">{w.none}</p>}
      {requests && requests.length > 0 && (
        <div class="table-wrap">
          <DataTable
            class={props.class}
            caption={w.caption}
            captionClass="visually-hidden"
            rows={requests}
            rowKey={(r) => r.id}
            rowProps={props.rowProps}
            columns={props.columns}
          />
        </div>
      )}
      <Pager label={w.pages} current={cursor} nextCursor={list.data?.next_cursor} trail={trail} />
    </>
  );
}
