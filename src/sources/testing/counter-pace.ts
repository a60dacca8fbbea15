// The real-server check every counter-backed arrivals source shares (`arrivals: {..., counter: true}`):
// a producer adds messages at a known pace while the agent's read path turns the counter into messages/s.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { readWithTimeout, type Reading } from '../../agent/read-metrics.js';
import type { Source } from '../types.js';

/** Reads `source` as the agent reads an arrivals block. */
export const readArrivals = (source: Source): Promise<Reading> => readWithTimeout(source, 2000, 'orders', 'arrivals');

/**
 * `addTen(from)` adds 10 messages (numbered from `from`) every 100 ms, 100/s, for 3 s while the source is
 * read every 750 ms: every rate is positive and their mean is the pace the producer kept (within timing on
 * a loaded machine); once it stops, the rate reads 0. The source's first read must already have been made.
 */
export async function checkRateAtPace(source: Source, addTen: (from: number) => Promise<unknown>): Promise<void> {
  let publishing = true;
  let published = 0;
  const producer = (async () => {
    while (publishing) {
      await addTen(published);
      published += 10;
      await sleep(100);
    }
  })();
  const startedMs = Date.now();
  const whilePublishing: number[] = [];
  while (Date.now() - startedMs < 3000) {
    await sleep(750);
    const reading = await readArrivals(source);
    assert.ok(reading.ok, JSON.stringify(reading));
    whilePublishing.push(reading.value);
  }
  publishing = false;
  await producer;
  const pace = (published * 1000) / (Date.now() - startedMs);
  assert.ok(
    whilePublishing.every((r) => r > 0),
    `rates ${whilePublishing.join(', ')}`,
  );
  const mean = whilePublishing.reduce((a, b) => a + b, 0) / whilePublishing.length;
  assert.ok(mean > pace * 0.6 && mean < pace * 1.6, `mean ${mean.toFixed(1)}/s, producer kept ${pace.toFixed(1)}/s`);

  await sleep(600); // the last batch's interval
  await readArrivals(source);
  await sleep(600);
  const quiet = await readArrivals(source);
  assert.ok(quiet.ok, JSON.stringify(quiet));
  assert.equal(quiet.value, 0, 'nothing published: 0 messages/s');
}
