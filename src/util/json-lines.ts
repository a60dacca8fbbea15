// Docker's event stream (and any newline-delimited JSON): a value per line, however the bytes are cut
// into chunks. A line that is not JSON is not an event: it is skipped, never thrown from the stream's
// 'data' handler (that would take the process down).
import { StringDecoder } from 'node:string_decoder';

/** Calls `onValue` with the JSON value of each non-blank line of `stream`, lines and UTF-8 characters split across chunks included. */
export function onJsonLines<T>(stream: NodeJS.ReadableStream, onValue: (value: T) => void): void {
  const decoder = new StringDecoder('utf8');
  let buffered = '';
  stream.on('data', (chunk: Buffer | string) => {
    const lines = (buffered + (typeof chunk === 'string' ? chunk : decoder.write(chunk))).split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      let value: T;
      try {
        value = JSON.parse(line) as T;
      } catch {
        continue; // not JSON: not an event (see the file's head)
      }
      onValue(value);
    }
  });
}

/** Stops following `stream`: dockerode types its event streams as ReadableStream, but they are Readables, which have destroy(). */
export function destroyStream(stream: NodeJS.ReadableStream | undefined): void {
  (stream as (NodeJS.ReadableStream & { destroy?: () => void }) | undefined)?.destroy?.();
}
