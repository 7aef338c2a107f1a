/**
 * The synthetic canary on the embedded stack: the same definition the environments deploy, with
 * the real generate, canary and output-testing functions, run once as it is: it passes. Its
 * counterpart with a broken validator is synthetic-canary-broken-validator.test.ts (a file of its
 * own: the handlers keep the clients of the first stack they ran against, one per process).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './embedded-stack-harness';

const ROWS = 40;

describe('the synthetic canary', () => {
  describe('on a working stack', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness();
    });
    afterAll(async () => {
      await h.close();
    });

    it('passes: every generated output is judged as generated, and its objects are removed', async () => {
      // Act
      const run = await h.stack.runCanary({ rows: ROWS });

      // Assess
      expect(run.status, `${run.error}: ${run.cause}`).toBe('SUCCEEDED');
      expect(run.event?.detailType).toBe('Canary Passed');
      const verdict = run.event!.detail.verdict!;
      expect(verdict.passed).toBe(true);
      expect(verdict.differences).toEqual([]);
      // One passing output and one per breakable rule, for the three generable contracts.
      expect(verdict.cases).toBeGreaterThanOrEqual(6);
      expect(verdict.uncovered.map((u) => u.output)).toContain('sales/export/orders_parts');
      const canaryRuns = h.stack.executions.filter((e) => e.input.detail.object.key.startsWith('canary/'));
      expect(canaryRuns.length).toBeGreaterThanOrEqual(verdict.cases);
      // Removed: a deletion execution per object recorded it, and the canary entries are in no listing.
      const latest = await h.registry.latest('sales', 'ingestion', 'raw_orders');
      expect(latest?.dataType ?? 'none').not.toBe('canary');
      expect(await h.registry.logicalOutputs('sales')).toEqual([]);
    }, 240_000);
  });
});
