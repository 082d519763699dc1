// A table described by its columns, so that a page says what each column shows and not, table
// after table, the same thead and tbody: headers are th scope="col", a column that names its row
// is th scope="row", numbers carry the "num" class in their header and cells.
import type { ComponentChildren } from 'preact';
import { Paged } from './paged.tsx';
import { TableRegion } from './table-region.tsx';

export interface Column<T> {
  header: ComponentChildren;
  cell: (row: T) => ComponentChildren;
  /** true: the header and every cell align as numbers; a function: only the cells it picks (a column of mixed values) */
  numeric?: boolean | ((row: T) => boolean);
  /** the cells are th scope="row": this column names the row */
  rowHeader?: boolean;
  /** the cells' class, where a test or the style sheet looks for one */
  class?: string;
}

export interface DataTableProps<T> {
  columns: readonly Column<T>[];
  rows: readonly T[];
  /** without one, the row's place: for rows with no identity of their own, never reordered (a history) */
  rowKey?: (row: T, i: number) => string | number;
  /** the row's own attributes: data-* for the tests, a class for the style sheet */
  rowProps?: (row: T) => Record<string, string | undefined>;
  class?: string;
  caption?: ComponentChildren;
  captionClass?: string;
}

const classes = (...names: (string | false | undefined)[]) => names.filter(Boolean).join(' ') || undefined;

export function DataTable<T>(props: DataTableProps<T>) {
  return (
    <table class={props.class}>
      {props.caption !== undefined && <caption class={props.captionClass}>{props.caption}</caption>}
      <thead>
        <tr>
          {props.columns.map((c, i) => (
            <th key={i} scope="col" class={classes(c.numeric === true && 'num')}>
              {c.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((row, i) => (
          <tr key={props.rowKey ? props.rowKey(row, i) : i} {...props.rowProps?.(row)}>
            {props.columns.map((c, j) => {
              const cls = classes((c.numeric === true || (typeof c.numeric === 'function' && c.numeric(row))) && 'num', c.class);
              return c.rowHeader ? (
                <th key={j} scope="row" class={cls}>
                  {c.cell(row)}
                </th>
              ) : (
                <td key={j} class={cls}>
                  {c.cell(row)}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A whole list from the API, a page of rows at a time, in its scrolling region. */
export function PagedTable<T>(props: Omit<DataTableProps<T>, 'rows'> & { items: readonly T[]; label: string; pager: string }) {
  const { items, label, pager, ...table } = props;
  return (
    <Paged items={items} label={pager}>
      {(rows) => (
        <TableRegion label={label}>
          <DataTable {...table} rows={rows} />
        </TableRegion>
      )}
    </Paged>
  );
}
