/**
 * runValidation over an in-memory source: the quarantine sink is opened only when a row fails,
 * receives every failing row in order as JSON Lines and is published on success; when validation
 * throws it is aborted, so no partial quarantine object is left behind. References of exists_in and
 * ks_test rules are loaded before the input is read.
 */
import { describe, expect, it } from 'vitest';
import {
  BufferSink,
  bufferSource,
  type ByteSink,
  type ByteSource,
} from '../../../../lambdas/core/formats/byte-io';
import { ContractError, FormatError } from '../../../../lambdas/core/errors';
import { runValidation, type ValidationRunDeps } from '../../../../lambdas/core/validation/run-validation';
import type { FailedRow } from '../../../../lambdas/core/validation/validation-report';
import { loadContract } from '../../../fixtures/validation-fixtures';

/** A sink that records what happens to it. */
class RecordingSink implements ByteSink {
  readonly name = 'quarantine.jsonl';
  readonly events: string[] = [];
  private readonly inner = new BufferSink('quarantine.jsonl');
  constructor(private readonly failWrites = false) {}
  write(chunk: Uint8Array): Promise<void> {
    this.events.push('write');
    return this.failWrites ? Promise.reject(new Error('disk full')) : this.inner.write(chunk);
  }
  close(): Promise<void> {
    this.events.push('close');
    return this.inner.close();
  }
  abort(): Promise<void> {
    this.events.push('abort');
    return this.inner.abort();
  }
  rows(): FailedRow[] {
    const text = Buffer.from(this.inner.bytes()).toString('utf8');
    if (!text.endsWith('\n')) throw new Error('the quarantine object does not end with a newline');
    return text
      .slice(0, -1)
      .split('\n')
      .map((line) => JSON.parse(line) as FailedRow);
  }
}

/** Quarantine deps that count how often the sink is opened. */
function quarantine(failWrites = false): { deps: ValidationRunDeps; sinks: RecordingSink[] } {
  const sinks: RecordingSink[] = [];
  return {
    sinks,
    deps: {
      openSource: (location) => {
        throw new Error(`unexpected reference ${location}`);
      },
      quarantineSink: () => {
        const sink = new RecordingSink(failWrites);
        sinks.push(sink);
        return sink;
      },
    },
  };
}

function csv(text: string, chunkSize?: number): ByteSource {
  return bufferSource(Buffer.from(text, 'utf8'), 'orders.csv', chunkSize);
}

const orders = loadContract({
  schema: [
    '{ name: id, type: int64, nullable: false }',
    '{ name: amount, type: float64 }',
    '{ name: email, type: string }',
  ],
  quality: [
    '{ name: amount_non_negative, field: amount, condition: greater_or_equal, value: 0 }',
    '{ name: email_format, field: email, condition: format, value: email }',
  ],
});

describe('runValidation', () => {
  it('never opens the quarantine sink when every row passes', async () => {
    // Prepare
    const { deps, sinks } = quarantine();
    const source = csv('id,amount,email\n1,10,a@example.com\n2,0,b@example.com\n');

    // Act
    const run = await runValidation(orders, source, deps);

    // Assess
    expect(run.report.status).toBe('passed');
    expect(run.quarantinedRows).toBe(0);
    expect(sinks).toHaveLength(0);
  });

  it('writes every failing row, in order, as JSON Lines with the checks it broke', async () => {
    // Prepare
    const { deps, sinks } = quarantine();
    const source = csv(
      [
        'id,amount,email',
        '1,10,a@example.com',
        '2,-5,b@example.com',
        'x,3,c@example.com',
        '4,1,"not, an email"',
        '5,2,d@example.com',
        ',-1,',
        '',
      ].join('\n'),
    );

    // Act
    const run = await runValidation(orders, source, deps);

    // Assess
    expect(sinks).toHaveLength(1);
    const sink = sinks[0]!;
    expect(sink.events).toEqual(['write', 'close']);
    expect(sink.rows()).toEqual([
      { row: 2, values: { id: '2', amount: '-5', email: 'b@example.com' }, broke: ['amount_non_negative'] },
      { row: 3, values: { id: 'x', amount: '3', email: 'c@example.com' }, broke: ["id: 'x' is not int64"] },
      { row: 4, values: { id: '4', amount: '1', email: 'not, an email' }, broke: ['email_format'] },
      {
        row: 6,
        values: { id: null, amount: '-1', email: null },
        broke: ['id: null in a non-nullable column', 'amount_non_negative'],
      },
    ]);
    expect(run.quarantinedRows).toBe(4);
    expect(run.report.failedRowCount).toBe(4);
    expect(run.report.status).toBe('failed');
  });

  it('quarantines every failing row of a large input across batches and flushes', async () => {
    // Prepare: 30,000 rows (three reader batches), every third one failing; about 2 MB of JSON Lines
    const lines = ['id,amount,email'];
    for (let i = 1; i <= 30_000; i++)
      lines.push(`${i},${i % 3 === 0 ? -i : i},${'u'.repeat(150)}${i}@example.com`);
    const { deps, sinks } = quarantine();

    // Act
    const run = await runValidation(orders, csv(`${lines.join('\n')}\n`), deps);

    // Assess
    const rows = sinks[0]!.rows();
    expect(sinks).toHaveLength(1);
    expect(sinks[0]!.events.filter((e) => e === 'write').length).toBeGreaterThan(1);
    expect(sinks[0]!.events.at(-1)).toBe('close');
    expect(rows).toHaveLength(10_000);
    expect(rows.map((r) => r.row)).toEqual(Array.from({ length: 10_000 }, (_, k) => 3 * (k + 1)));
    expect(rows.every((r) => r.broke.length === 1 && r.broke[0] === 'amount_non_negative')).toBe(true);
    expect(run.quarantinedRows).toBe(10_000);
  });

  it('aborts the quarantine sink and rethrows when reading fails after a row was quarantined', async () => {
    // Prepare: row 2 fails; row 10,100 is malformed, after the first batch of 10,000 rows was validated
    const lines = ['id,amount,email'];
    for (let i = 1; i <= 10_200; i++)
      lines.push(i === 2 ? '2,-1,a@example.com' : i === 10_100 ? '10100,1' : `${i},1,a@example.com`);
    const { deps, sinks } = quarantine();

    // Act
    const run = runValidation(orders, csv(`${lines.join('\n')}\n`, 1024), deps);

    // Assess
    await expect(run).rejects.toThrow(FormatError);
    await expect(run).rejects.toThrow('CSV row has 2 fields; the header has 3 (orders.csv, line 10101)');
    expect(sinks).toHaveLength(1);
    expect(sinks[0]!.events).toEqual(['abort']);
  });

  it('aborts the quarantine sink when writing it fails', async () => {
    // Prepare
    const { deps, sinks } = quarantine(true);

    // Act
    const run = runValidation(orders, csv('id,amount,email\n1,-1,a@example.com\n'), deps);

    // Assess
    await expect(run).rejects.toThrow('disk full');
    expect(sinks[0]!.events).toEqual(['write', 'abort']);
  });

  describe('references', () => {
    const referential = loadContract({
      schema: ['{ name: customer_id, type: int64 }'],
      quality: [
        '{ name: known_customer, field: customer_id, condition: exists_in, reference: { output: ingestion/customers, field: id } }',
      ],
    });

    it('is a ContractError when the referenced output has no registered version', async () => {
      // Prepare
      const { deps, sinks } = quarantine();

      // Act
      const run = runValidation(referential, csv('customer_id\n1\n'), deps);

      // Assess
      await expect(run).rejects.toThrow(ContractError);
      await expect(run).rejects.toThrow(
        'rule known_customer: no registered version of p/ingestion/customers to check customer_id against',
      );
      expect(sinks).toHaveLength(0);
    });

    it('checks values against the newest version of the referenced output, resolved with the pipeline', async () => {
      // Prepare
      const asked: string[] = [];
      const { deps, sinks } = quarantine();
      const resolveOutput = (name: string): Promise<ByteSource | undefined> => {
        asked.push(name);
        return Promise.resolve(
          bufferSource(Buffer.from('id,name\n1,Ann\n02,Bob\n,Nobody\n'), 'customers.csv'),
        );
      };

      // Act
      const run = await runValidation(referential, csv('customer_id\n1\n2\n3\n\n'), {
        ...deps,
        resolveOutput,
      });

      // Assess
      expect(asked).toEqual(['p/ingestion/customers']);
      const rule = run.report.rules.find((r) => r.name === 'known_customer');
      expect(rule).toMatchObject({ evaluated: 3, passed: 2, failed: 1, outcome: 'fail' });
      expect(sinks[0]!.rows()).toEqual([{ row: 3, values: { customer_id: '3' }, broke: ['known_customer'] }]);
    });

    it('loads the ks_test reference sample from its location', async () => {
      // Prepare
      const contract = loadContract({
        schema: ['{ name: score, type: float64 }'],
        quality: [
          '{ name: same_shape, field: score, condition: ks_test, reference: s3://bucket/reference.csv, value: 0.2 }',
        ],
      });
      const opened: string[] = [];
      const sample = `value\n${Array.from({ length: 100 }, (_, i) => i + 1).join('\n')}\n`;
      const data = `score\n${Array.from({ length: 100 }, (_, i) => 100 - i).join('\n')}\n`;

      // Act
      const run = await runValidation(contract, csv(data), {
        openSource: (location) => {
          opened.push(location);
          return bufferSource(Buffer.from(sample), 'reference.csv');
        },
      });

      // Assess
      expect(opened).toEqual(['s3://bucket/reference.csv']);
      expect(run.report.rules[0]).toMatchObject({ name: 'same_shape', outcome: 'pass' });
      expect(run.report.rules[0]?.note).toMatch(/^KS statistic 0\.0\d{3} against 100 reference values/);
    });
  });
});
