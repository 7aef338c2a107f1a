/**
 * A pipeline whose consumers declare what they read (test/fixtures/contract-edges): `prt contract
 * check` grades every edge and prints the table; a producer change that breaks a consumer is caught
 * by `contract check` and by `contract diff --consumers`, with the same grade.
 */
import { copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registerContractCommands, runContractCheck } from '../../../lib/cli/contract-command';
import { runPrt } from '../../fixtures/prt-in-process';
import { captureCli } from '../../fixtures/cli-capture';

const FIXTURE = join(import.meta.dirname, '../../fixtures/contract-edges');
const PIPELINE = join(FIXTURE, 'pipeline');
const PRODUCER = 'orders-ingestion-raw_orders.yaml';

const { folder: dir, out } = captureCli('prt-contract-edges-', { errorsToOut: true });

/** The fixture pipeline with its producer replaced by the breaking change. */
function breakingPipeline(): string {
  for (const file of readdirSync(PIPELINE)) copyFileSync(join(PIPELINE, file), join(dir, file));
  copyFileSync(join(FIXTURE, 'raw_orders-breaking.yaml'), join(dir, PRODUCER));
  return dir;
}

describe('contract check: edges graded against consumer expectations', () => {
  it('passes the pipeline and prints one row per edge', async () => {
    // Act
    const code = await runPrt([registerContractCommands], ['contract', 'check', PIPELINE]);

    // Assess
    const text = out.join('\n');
    expect(code).toBe(0);
    expect(text).toMatch(
      /orders\/ingestion\/raw_orders +orders\/reporting\/daily_totals +2 column\(s\) +convertible +convertible +ok/,
    );
    expect(text).toMatch(
      /orders\/ingestion\/raw_orders +orders\/scoring\/scores +3 column\(s\) +compatible +compatible +ok/,
    );
    expect(text).toMatch(
      /amount +decimal\(12,2\) read as float64 +convertible +cast decimal\(12,2\) to float64/,
    );
  });

  it('fails the breaking change at the consumer input line, naming the producer and the level', () => {
    // Arrange
    const folder = breakingPipeline();

    // Act
    const run = runContractCheck([folder]);

    // Assess: scoring's inputs entry is on line 9 of its file.
    expect(run.failures).toBe(1);
    expect(run.lines).toContain(
      `error ${join(folder, 'orders-scoring-scores.yaml')}: line 9: inputs[0]: orders/ingestion/raw_orders grades convertible for this step, below the compatible it accepts`,
    );
    const scoring = run.edges.find((e) => e.consumer === 'orders/scoring/scores');
    expect(scoring).toMatchObject({
      level: 'convertible',
      accepts: 'compatible',
      breaks: true,
      onBreak: 'fail',
    });
    expect(scoring?.changes.filter((c) => c.level === 'convertible').map((c) => c.column)).toEqual([
      'customer_id',
      'amount',
    ]);
    expect(run.edges.find((e) => e.consumer === 'orders/reporting/daily_totals')?.breaks).toBe(false);
  });

  it('prints markdown for a pull request and json for tools, exiting 1 on the break', async () => {
    // Arrange
    const folder = breakingPipeline();

    // Act
    const markdown = await runPrt(
      [registerContractCommands],
      ['contract', 'check', folder, '--format', 'markdown'],
    );
    const markdownText = out.join('\n');
    out.length = 0;
    const json = await runPrt([registerContractCommands], ['contract', 'check', folder, '--format', 'json']);

    // Assess
    expect(markdown).toBe(1);
    expect(markdownText).toContain('| producer | consumer | reads | level | accepts | verdict |');
    expect(markdownText).toContain(
      '| orders/ingestion/raw_orders | orders/scoring/scores | 3 column(s) | convertible | compatible | BREAKS (fail) |',
    );
    expect(json).toBe(1);
    const parsed = JSON.parse(out.join('\n')) as {
      failures: number;
      edges: { consumer: string; breaks: boolean }[];
    };
    expect(parsed.failures).toBe(1);
    expect(parsed.edges.filter((e) => e.breaks).map((e) => e.consumer)).toEqual(['orders/scoring/scores']);
  });

  it('checks one pipeline only with --pipeline, and fails a pipeline with no contract', () => {
    // Arrange
    const folder = breakingPipeline();
    copyFileSync(
      join(import.meta.dirname, '../../../contracts/sales-ingestion-raw_orders.yaml'),
      join(folder, 'sales-ingestion-raw_orders.yaml'),
    );

    // Act
    const sales = runContractCheck([folder], { pipeline: 'sales' });
    const none = runContractCheck([folder], { pipeline: 'nowhere' });

    // Assess
    expect(sales.failures).toBe(0);
    expect(sales.lines).toHaveLength(1);
    expect(sales.lines[0]).toContain('sales/ingestion/raw_orders');
    expect(sales.edges).toEqual([]);
    expect(none.failures).toBe(1);
    expect(none.lines).toEqual([`error no contract of pipeline 'nowhere' among ${folder}`]);
  });
});

describe('contract diff --consumers: the same change graded for each consumer', () => {
  it('names the consumer the change breaks, with the grade contract check gives', async () => {
    // Arrange
    const folder = breakingPipeline();
    const check = runContractCheck([folder]).edges;

    // Act
    const code = await runPrt(
      [registerContractCommands],
      [
        'contract',
        'diff',
        join(PIPELINE, PRODUCER),
        join(FIXTURE, 'raw_orders-breaking.yaml'),
        '--consumers',
        PIPELINE,
        '--format',
        'json',
      ],
    );

    // Assess
    expect(code).toBe(1);
    const run = JSON.parse(out.join('\n')) as {
      breaks: boolean;
      consumers: string[];
      edges: { consumer: string; level: string; breaks: boolean }[];
    };
    expect(run.breaks).toBe(true);
    expect(run.consumers).toEqual(['orders/reporting/daily_totals', 'orders/scoring/scores']);
    expect(run.edges).toEqual(check);
  });

  it('says in text which consumer breaks', async () => {
    // Act
    const code = await runPrt(
      [registerContractCommands],
      [
        'contract',
        'diff',
        join(PIPELINE, PRODUCER),
        join(FIXTURE, 'raw_orders-breaking.yaml'),
        '--consumers',
        PIPELINE,
      ],
    );

    // Assess
    const text = out.join('\n');
    expect(code).toBe(1);
    expect(text).toMatch(/orders\/scoring\/scores +3 column\(s\) +convertible +compatible +BREAKS \(fail\)/);
    expect(text).toMatch(/orders\/reporting\/daily_totals +2 column\(s\) +compatible +convertible +ok/);
    expect(text).toMatch(/customer_id +now nullable \(scoring\/scores needs non-null\) +convertible/);
  });
});
