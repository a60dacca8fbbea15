// The shared source conformance suite: every source kind runs it against its real server (or, where
// none can run here, a fake that follows the documented API). Call it from <kind>.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SourceError } from '../../errors.js';
import { silentLogger } from '../../log/logger.js';
import type { Source, SourceContext } from '../types.js';

export interface SourceSubject {
  /** Builds the source under test for service "conformance". */
  readonly create: (context: SourceContext) => Source;
  /** Makes the server report `value` for the thing the source reads (push n messages, set a gauge...). */
  readonly setValue: (value: number) => Promise<void>;
  /** A source pointed at something that does not answer (closed port), for the unreachable case. */
  readonly createUnreachable?: (context: SourceContext) => Source;
  /** A source pointed at a queue/stream/key that does not exist, when the kind can tell. */
  readonly createMissing?: (context: SourceContext) => Source;
  readonly cleanup: () => Promise<void>;
  /** How long a change may take to show (the RabbitMQ management API refreshes every 5 s). */
  readonly settleMs?: number;
}

export type OptionalCase = 'unreachable' | 'missing';

export interface SourceConformanceOptions {
  /** Return undefined to skip (the kind's own check has already said why, loudly). */
  readonly setup: () => Promise<SourceSubject | undefined>;
  /**
   * Cases that do not apply to this kind, each with why (a push source has no server; an empty Redis
   * list is a missing key). They are left out of the suite, not skipped, so CI shows no skips.
   */
  readonly notApplicable?: Partial<Record<OptionalCase, string>>;
}

export const conformanceContext: SourceContext = { service: 'conformance', log: silentLogger(), nowMs: Date.now };

async function readSettled(source: Source, expected: number, settleMs: number): Promise<number> {
  const deadline = Date.now() + settleMs;
  let value = await source.read(AbortSignal.timeout(5000));
  while (value !== expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await source.read(AbortSignal.timeout(5000));
  }
  return value;
}

export function sourceConformance(name: string, options: SourceConformanceOptions): void {
  describe(`${name} source conformance`, () => {
    let subject: SourceSubject | undefined;
    let source: Source | undefined;
    before(async () => {
      subject = await options.setup();
      source = subject?.create(conformanceContext);
    });
    after(async () => {
      await source?.close();
      await subject?.cleanup();
    });

    it('reads the value the server reports, and follows it as it changes', async (t) => {
      if (!subject || !source) return t.skip('no subject');
      for (const value of [37, 0, 5]) {
        await subject.setValue(value);
        assert.equal(await readSettled(source, value, subject.settleMs ?? 2000), value);
      }
    });

    it('reuses its connection: many reads in a row all succeed', async (t) => {
      if (!subject || !source) return t.skip('no subject');
      const values = await Promise.all(Array.from({ length: 20 }, () => source!.read(AbortSignal.timeout(5000))));
      assert.ok(values.every((v) => v === values[0]));
    });

    if (!options.notApplicable?.unreachable)
      it('reports an unreachable server as a SourceError naming the service, without credentials', async (t) => {
        if (!subject) return t.skip('no subject');
        assert.ok(subject.createUnreachable, 'createUnreachable is missing: give it, or list the case as notApplicable with why');
        const unreachable = subject.createUnreachable(conformanceContext);
        try {
          await assert.rejects(unreachable.read(AbortSignal.timeout(3000)), (error: unknown) => {
            assert.ok(error instanceof SourceError, `expected a SourceError, got ${String(error)}`);
            assert.match(error.message, /conformance/);
            assert.ok(['unreachable', 'timeout'].includes(error.failure), `failure was ${error.failure}`);
            assert.doesNotMatch(error.message, /guest:guest|s3cret|password/i);
            return true;
          });
        } finally {
          await unreachable.close();
        }
      });

    if (!options.notApplicable?.missing)
      it('reports a missing queue/stream/key as not-found', async (t) => {
        if (!subject) return t.skip('no subject');
        assert.ok(subject.createMissing, 'createMissing is missing: give it, or list the case as notApplicable with why');
        const missing = subject.createMissing(conformanceContext);
        try {
          await assert.rejects(missing.read(AbortSignal.timeout(3000)), (error: unknown) => {
            assert.ok(error instanceof SourceError, `expected a SourceError, got ${String(error)}`);
            assert.equal(error.failure, 'not-found');
            return true;
          });
        } finally {
          await missing.close();
        }
      });
  });
}
