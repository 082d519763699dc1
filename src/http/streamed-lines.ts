// A streamed text export (NDJSON, CSV) from pages of lines, with backpressure and an honest end.
// The first page is read before the answer starts, so a failure there is still a problem answer.
// Later pages are read one at a time, only when the client has taken the previous one. Lines are
// terminated lazily: each line's end is written before the next line, and the last line's only
// when every page was read. An export cut short (a storage error mid-way) therefore ends without
// its final line ending *and* the response is aborted (the chunked body has no terminating chunk),
// so neither a careful reader nor an HTTP client mistakes it for a complete file.

export type StreamEnd = { complete: true; lines: number } | { complete: false; lines: number; reason: 'aborted' | 'storage_error'; error?: unknown };

export interface LinePages {
  /** A first line written before any page (a CSV header); none for NDJSON. */
  header?: string;
  eol: '\n' | '\r\n';
  /** Pages of lines, each already rendered. */
  pages: AsyncIterator<readonly string[]>;
  /** Called once when the export ends: every page sent, the client gone, or a page failed (it logs its own failures). */
  onEnd(end: StreamEnd): void | Promise<void>;
}

const encoder = new TextEncoder();

/** What the response body fails with when a page cannot be read (the cause is logged by onEnd, by code). */
export class ExportAborted extends Error {
  constructor() {
    super('the export was cut short by a storage error');
    this.name = 'ExportAborted';
  }
}

export async function streamedLines(src: LinePages): Promise<ReadableStream<Uint8Array>> {
  let first: IteratorResult<readonly string[]> | undefined = await src.pages.next();
  let wrote = src.header !== undefined;
  let lines = 0;
  let ended = false;
  const end = async (e: StreamEnd) => {
    if (ended) return;
    ended = true;
    try {
      await src.onEnd(e);
    } catch {
      /* onEnd reports its own failures: the export's bytes are decided already */
    }
  };
  const render = (page: readonly string[]): string => {
    if (page.length === 0) return '';
    const text = (wrote ? src.eol : '') + page.join(src.eol);
    wrote = true;
    lines += page.length;
    return text;
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          let text = '';
          if (first) {
            text = src.header ?? '';
            const r = first;
            first = undefined;
            if (!r.done) text += render(r.value);
            else {
              if (wrote) text += src.eol;
              if (text) controller.enqueue(encoder.encode(text));
              controller.close();
              await end({ complete: true, lines });
              return;
            }
          } else {
            const r = await src.pages.next();
            if (r.done) {
              // the last line's end: written only when every page was
              if (wrote) controller.enqueue(encoder.encode(src.eol));
              controller.close();
              await end({ complete: true, lines });
              return;
            }
            text = render(r.value);
          }
          if (text) controller.enqueue(encoder.encode(text));
        } catch (error) {
          await end({ complete: false, lines, reason: 'storage_error', error });
          // the listener may print what the body failed with: never a driver's message
          controller.error(new ExportAborted());
        }
      },
      async cancel() {
        await end({ complete: false, lines, reason: 'aborted' });
        await src.pages.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}

/** Pages of items rendered to pages of lines; returning early closes the source. */
export async function* renderPages<T>(pages: AsyncIterable<readonly T[]>, line: (item: T) => string): AsyncGenerator<string[]> {
  for await (const page of pages) yield page.map(line);
}
