/**
 * The synthetic canary proves it can fail: with the validate step broken on purpose (it judges
 * every output `passed`, whatever its data), the canary fails and names each rule the workflow no
 * longer catches.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalHandler } from '../../lib/local/task-bindings';
import { startHarness, type Harness } from './embedded-stack-harness';

const ROWS = 40;

/** A validate step that judges every output `passed`, whatever its data. */
function passEverything(fn: string, handler: LocalHandler): LocalHandler {
  if (fn !== 'validate') return handler;
  return async (event, context) => {
    const result = (await handler(event, context)) as Record<string, unknown>;
    return { ...result, status: 'passed', failedRules: [] };
  };
}

describe('the synthetic canary', () => {
  describe('on a stack whose validator passes everything', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(process.env, { wrapHandler: passEverything });
    });
    afterAll(async () => {
      await h.close();
    });

    it('fails, naming every rule whose violating output was passed', async () => {
      // Act
      const run = await h.stack.runCanary({ rows: ROWS, contracts: ['sales/ingestion/raw_orders'] });

      // Assess
      expect(run.status).toBe('FAILED');
      expect(run.error).toBe('CanaryFailed');
      expect(run.event?.detailType).toBe('Canary Failed');
      expect(run.event?.detail.outcome).toBe('differences');
      const verdict = run.event!.detail.verdict!;
      expect(verdict.passed).toBe(false);
      expect(verdict.differences.map((d) => d.message)).toEqual([
        expect.stringMatching(
          /^sales\/ingestion\/raw_orders: the output violating order_id_present=0\.5 was passed, expected failed \(order_id_present, schema_compatibility\)/,
        ),
      ]);
      expect(verdict.differences[0]!.actual).toEqual({ status: 'passed', failedRules: [] });
    }, 240_000);
  });
});
