// Newline-delimited JSON from a stream: values come out whole whatever the chunking.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { onJsonLines } from './json-lines.js';

function collect(chunks: readonly Buffer[]): unknown[] {
  const stream = new PassThrough();
  const values: unknown[] = [];
  onJsonLines(stream, (value) => values.push(value));
  for (const chunk of chunks) stream.write(chunk);
  return values;
}

describe('onJsonLines', () => {
  it('gives each line whole when a line and a UTF-8 character are cut across chunks', () => {
    const text = Buffer.from('{"id":"a","name":"café"}\n{"id":"b"}\n');
    const cut = text.indexOf(0xa9); // the second byte of "é"
    const values = collect([text.subarray(0, 5), text.subarray(5, cut), text.subarray(cut)]);
    assert.deepEqual(values, [{ id: 'a', name: 'café' }, { id: 'b' }]);
  });

  it('skips blank and non-JSON lines and keeps going, and holds a line until its newline comes', () => {
    const values = collect([Buffer.from('\n  \nnot json\n{"id":"c"}\n{"id":'), Buffer.from('"d"}')]);
    assert.deepEqual(values, [{ id: 'c' }]);
  });
});
