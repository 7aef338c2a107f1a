import { describe, expect, it } from 'vitest';

import type { ColumnSpec, Compression, DataFormat } from '../../../../lambdas/core/contracts/output-contract';
import { convertTable } from '../../../../lambdas/core/conversion/convert-table';
import { TimeBudgetExceeded } from '../../../../lambdas/core/errors';
import { budgetMessage, budgetedStore, timeBudget } from '../../../../lambdas/core/storage/time-budget';
import { runValidation } from '../../../../lambdas/core/validation/run-validation';
import { failureOf, writeTable } from '../../../fixtures/format-io';
import { InMemoryObjectStore } from '../../../fixtures/in-memory-object-store';
import { outputContract } from '../../../fixtures/output-contract';

const SCHEMA: readonly ColumnSpec[] = [
  { name: 'id', type: 'int64', nullable: false },
  { name: 'name', type: 'string', nullable: true },
];
const ROWS = Array.from({ length: 20_000 }, (_, i) => [i, `name-${i}`] as const);

/** A clock the test moves: the function's time left falls by `perRead` ms at every check. */
function fallingClock(totalMs: number, perCheck: number): { remainingMs: () => number; now: () => number } {
  let used = 0;
  return {
    remainingMs: () => {
      const left = totalMs - used;
      used += perCheck;
      return left;
    },
    now: () => used,
  };
}

describe('timeBudget', () => {
  it('keeps a tenth of the time left at the start, between 5 and 60 seconds', () => {
    for (const [total, reserve] of <[number, number][]>[
      [900_000, 60_000],
      [300_000, 30_000],
      [20_000, 5_000],
    ]) {
      let left = total;
      const budget = timeBudget({ remainingMs: () => left });
      left = reserve + 1;
      expect(budget.exhausted()).toBe(false);
      left = reserve;
      expect(budget.exhausted()).toBe(true);
    }
  });

  it('says how far it got, at what rate, and what would fit', () => {
    const text = budgetMessage(840_000, 60_000, 900_000, 2_100_000_000, 40_000_000_000);
    expect(text).toBe(
      "stopped with 60 s of the function's 900 s left, before its timeout: read 2.1 GB " +
        '(the object being read has 40.0 GB) in 840 s (2.5 MB/s); all of it needs ~4.4 h at this ' +
        'rate. Store it uncompressed or as Parquet (faster to read), split it into objects of at ' +
        'most ~2.3 GB, or give the function more memory (more CPU)',
    );
    expect(budgetMessage(1_000, 4_000, 5_000, 0, undefined)).toBe(
      "stopped with 4 s of the function's 5 s left, before its timeout: no data was read yet",
    );
  });
});

describe('budgetedStore', () => {
  const store = new InMemoryObjectStore(1024);
  store.put('b', 'k', new Uint8Array(10 * 1024));

  it('reads everything, and asks no size, while time is left', async () => {
    const calls = store.calls.length;
    const budgeted = budgetedStore(store, timeBudget({ remainingMs: () => 60_000 }));
    let n = 0;
    for await (const chunk of budgeted.source('b', 'k').stream()) n += chunk.byteLength;
    expect(n).toBe(10 * 1024);
    expect((await budgeted.source('b', 'k').readRange(0, 100)).byteLength).toBe(100);
    expect(store.calls.slice(calls).map((c) => c.op)).toEqual(['read', 'readRange']);
  });

  it('stops a stream and a ranged read once the time left is down to the reserve', async () => {
    // 10 s left at the start (reserve 5 s), one second less at every check: the sixth stops.
    const budgeted = budgetedStore(store, timeBudget(fallingClock(11_000, 1_000)));
    let n = 0;
    const error = await failureOf(
      (async () => {
        for await (const chunk of budgeted.source('b', 'k').stream()) n += chunk.byteLength;
      })(),
    );
    expect(error).toBeInstanceOf(TimeBudgetExceeded);
    expect(error.name).toBe('TimeBudgetExceeded');
    // The clock moves at every look, the message's own included: 4 s left when it was written.
    expect(error.message).toBe(
      "stopped with 4 s of the function's 11 s left, before its timeout: read 5.1 KB (the object " +
        'being read has 10.2 KB) in 7 s (731 B/s); all of it needs ~14 s at this rate. Store it ' +
        'uncompressed or as Parquet (faster to read), split it into objects of at most ~8.0 KB, or ' +
        'give the function more memory (more CPU)',
    );
    expect(n).toBe(4 * 1024);
    await expect(budgeted.source('b', 'k').readRange(0, 10)).rejects.toBeInstanceOf(TimeBudgetExceeded);
  });
});

/**
 * Every reader lets the budget's error through as it is: wrapped in a FormatError, a test that ran
 * out of time would be recorded as data that broke its contract.
 */
describe('a budget that runs out while a reader reads', () => {
  const cases: [DataFormat, Compression | undefined][] = [
    ['csv', undefined],
    ['csv', 'gzip'],
    ['jsonl', undefined],
    ['json', undefined],
    ['parquet', undefined],
    ['arrow', undefined],
  ];
  for (const [format, compression] of cases) {
    it(`stops validation and conversion of ${format}${compression ? ` (${compression})` : ''} with TimeBudgetExceeded`, async () => {
      const bytes = await writeTable(format, SCHEMA, ROWS, {
        ...(compression ? { compression } : {}),
        batchRows: 1000,
      });
      const store = new InMemoryObjectStore(4096);
      store.put('b', 'data', bytes);
      const contract = outputContract({ format, schema: SCHEMA });

      // Time for one read: 8 s at the start, 5 s kept, 1.5 s per check.
      const validating = budgetedStore(store, timeBudget(fallingClock(8_000, 1_500)));
      const validation = await failureOf(
        runValidation(contract, validating.source('b', 'data'), {
          openSource: () => validating.source('b', 'x'),
        }),
      );
      expect(validation.name).toBe('TimeBudgetExceeded');

      const converting = budgetedStore(store, timeBudget(fallingClock(8_000, 1_500)));
      const conversion = await failureOf(
        convertTable(
          converting.source('b', 'data'),
          converting.sink('b', 'out', 'application/octet-stream'),
          () => converting.source('b', 'out'),
          { to: format === 'csv' ? 'parquet' : 'csv', contract },
        ),
      );
      expect(conversion.name).toBe('TimeBudgetExceeded');
    });
  }
});
