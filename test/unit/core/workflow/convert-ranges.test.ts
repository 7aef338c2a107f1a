import { describe, expect, it } from 'vitest';

import { convertTable } from '../../../../lambdas/core/conversion/convert-table';
import { ContractCatalog } from '../../../../lambdas/core/contracts/contract-catalog';
import { IntegrityError } from '../../../../lambdas/core/errors';
import { BufferSink, bufferSource } from '../../../../lambdas/core/formats/byte-io';
import { openTable } from '../../../../lambdas/core/formats/open-table';
import {
  assembleRangeConversion,
  convertRangeItem,
  planRangeConversion,
  rangePartKeys,
  type ConversionItem,
  type ConvertRangesDeps,
} from '../../../../lambdas/core/workflow/convert-ranges';
import {
  mergeRanges,
  planRanges,
  validateRange,
  type RangeDeps,
  type RangeItem,
} from '../../../../lambdas/core/workflow/validate-ranges';
import type { ObjectRef, RegisteredOutput } from '../../../../lambdas/core/workflow/workflow-types';
import { readAll } from '../../../fixtures/format-io';
import { InMemoryObjectStore } from '../../../fixtures/in-memory-object-store';
import { ARTIFACTS_BUCKET, CONTRACTS_PREFIX, seedSampleContracts } from '../../../fixtures/sample-contracts';
import { LANDING_BUCKET, objectRef } from '../../../fixtures/step-events';

const KEY = 'pipelines/sales/r1/export/big_orders/orders.csv';
const CONTRACT_KEY = `${CONTRACTS_PREFIX}sales-export-big_orders.yaml`;
const EXECUTION = 'arn:aws:states:eu-west-1:123456789012:execution:prt-dev-output-testing:9a1b';

function contract(to: 'parquet' | 'jsonl'): string {
  return `pipeline: sales
step: export
output: big_orders
path: pipelines/sales/{run_id}/export/big_orders/
format: csv
convert_to: ${to}
schema:
  - { name: id, type: int64, nullable: false }
  - { name: note, type: string }
  - { name: amount, type: float64, nullable: false }
`;
}

const OUTPUT: RegisteredOutput = {
  pipeline: 'sales',
  step: 'export',
  output: 'big_orders',
  runId: 'r1',
  contractKey: CONTRACT_KEY,
  format: 'csv',
  convertTo: null,
  jobType: null,
};

/** 3,000 rows, notes with commas, quotes and line ends inside quoted fields. */
function csv(): string {
  const rows = Array.from({ length: 3000 }, (_, i) => {
    const note = i % 5 === 0 ? `"line ${i}, ""quoted""\nnext"` : i % 7 === 0 ? '' : `plain ${i % 50}`;
    return `${i + 1},${note},${(i % 97) + 0.25}`;
  });
  return `id,note,amount\n${rows.join('\n')}\n`;
}

function setup(to: 'parquet' | 'jsonl') {
  const store = new InMemoryObjectStore(4096);
  seedSampleContracts(store);
  store.put(ARTIFACTS_BUCKET, CONTRACT_KEY, contract(to));
  const catalog = new ContractCatalog(store, ARTIFACTS_BUCKET, CONTRACTS_PREFIX);
  const base = {
    store,
    catalog,
    artifactsBucket: ARTIFACTS_BUCKET,
    reportsPrefix: 'reports/',
    manifestsPrefix: 'manifests/',
  };
  const validation: RangeDeps = { ...base, quarantinePrefix: 'quarantine/', now: () => new Date(0) };
  // Small part rules, so that parts are both copied and joined.
  const conversion: ConvertRangesDeps = {
    ...base,
    composer: store,
    convertedPrefix: 'converted/',
    conversionPartsPrefix: 'conversion-parts/',
    composeLimits: { minPartBytes: 1024, maxCopyBytes: 4096 },
  };
  const body = csv();
  const stored = store.put(LANDING_BUCKET, KEY, body);
  const object: ObjectRef = objectRef({ key: KEY, etag: stored.etag, size: stored.body.byteLength });
  return { store, validation, conversion, object, body };
}

/** Validates by ranges, then converts as the state machine would: plan, every item, assemble. */
async function runConversion(s: ReturnType<typeof setup>) {
  const manifest = await planRanges(
    { object: s.object, output: OUTPUT, splitAboveBytes: 9000, execution: EXECUTION },
    s.validation,
  );
  const items = JSON.parse(s.store.text(ARTIFACTS_BUCKET, manifest.key)) as RangeItem[];
  for (const part of items) await validateRange({ part, dataset: s.object, output: OUTPUT }, s.validation);
  await mergeRanges({ dataset: s.object, output: OUTPUT, manifest }, s.validation);
  const plan = await planRangeConversion({ dataset: s.object, output: OUTPUT, manifest }, s.conversion);
  const planned = JSON.parse(s.store.text(ARTIFACTS_BUCKET, plan.key)) as ConversionItem[];
  for (const part of planned)
    await convertRangeItem({ dataset: s.object, output: OUTPUT, part }, s.conversion);
  return { plan, planned };
}

async function onePass(s: ReturnType<typeof setup>, to: 'parquet' | 'jsonl') {
  const sink = new BufferSink('one');
  const result = await convertTable(
    bufferSource(Buffer.from(s.body)),
    sink,
    () => bufferSource(sink.bytes()),
    {
      to,
      contract: await s.conversion.catalog.get(CONTRACT_KEY),
    },
  );
  return { result, bytes: sink.bytes() };
}

describe('ranged conversion steps', () => {
  it('publish one Parquet object that reads back as the CSV, with the checksums of one pass', async () => {
    // Arrange
    const s = setup('parquet');
    const { plan, planned } = await runConversion(s);

    // Act
    const result = await assembleRangeConversion(
      { dataset: s.object, output: OUTPUT, manifest: plan },
      s.conversion,
    );

    // Assess
    expect(planned.length).toBeGreaterThanOrEqual(4);
    expect(planned.map((p) => p.FirstRow)[0]).toBe(0);
    const one = await onePass(s, 'parquet');
    expect(result).toMatchObject({ format: 'parquet', rowsIn: 3000, rowsOut: 3000, equivalent: true });
    expect(result.checksums).toEqual(one.result.checksums);
    const key = result.uri.replace(`s3://${ARTIFACTS_BUCKET}/`, '');
    const written = s.store.get(ARTIFACTS_BUCKET, key)!.body;
    const back = await readAll((await openTable(bufferSource(written, 'out.parquet'))).batches);
    const expected = await readAll((await openTable(bufferSource(one.bytes, 'one.parquet'))).batches);
    expect(back.flatMap((b) => b.rows)).toEqual(expected.flatMap((b) => b.rows));
    expect(s.store.composed[0]!.pieces).toContain('copy');
  });

  it('keep the parts and envelopes under the conversion parts prefix, out of converted/', async () => {
    // Arrange
    const s = setup('parquet');
    const { plan, planned } = await runConversion(s);

    // Act
    const result = await assembleRangeConversion(
      { dataset: s.object, output: OUTPUT, manifest: plan },
      s.conversion,
    );

    // Assess
    const converted = s.store.keys().filter((id) => id.startsWith(`${ARTIFACTS_BUCKET}/converted/`));
    expect(converted).toEqual([result.uri.replace('s3://', '')]);
    const parts = s.store.keys().filter((id) => id.startsWith(`${ARTIFACTS_BUCKET}/conversion-parts/`));
    expect(parts).toHaveLength(planned.length * 2);
    const keys = rangePartKeys(s.conversion, s.object, 'parquet', 0);
    expect(keys.part).toMatch(/^conversion-parts\/.+\.parquet\/00000\.part$/);
    expect(keys.envelope).toMatch(/^conversion-parts\/.+\.parquet\/00000\.json$/);
  });

  it('publish JSON Lines whose bytes are those of one pass', async () => {
    // Arrange
    const s = setup('jsonl');
    const { plan } = await runConversion(s);

    // Act
    const result = await assembleRangeConversion(
      { dataset: s.object, output: OUTPUT, manifest: plan },
      s.conversion,
    );

    // Assess
    const one = await onePass(s, 'jsonl');
    const key = result.uri.replace(`s3://${ARTIFACTS_BUCKET}/`, '');
    expect(s.store.text(ARTIFACTS_BUCKET, key)).toBe(Buffer.from(one.bytes).toString('utf8'));
    expect(result.checksums).toEqual(one.result.checksums);
  });

  it('publishes nothing when a range has no part, naming the range', async () => {
    // Arrange
    const s = setup('parquet');
    const { plan, planned } = await runConversion(s);
    const envelope = rangePartKeys(s.conversion, s.object, 'parquet', planned[1]!.Range.index).envelope;
    s.store.put(
      ARTIFACTS_BUCKET,
      envelope,
      JSON.stringify({
        schemaVersion: 1,
        index: 1,
        part: null,
        conversion: null,
        error: { name: 'FormatError', message: 'bad row' },
      }),
    );

    // Act
    const failure = assembleRangeConversion(
      { dataset: s.object, output: OUTPUT, manifest: plan },
      s.conversion,
    );

    // Assess
    await expect(failure).rejects.toThrow(IntegrityError);
    await expect(failure).rejects.toThrow(
      `range 2 of ${planned.length} to parquet failed: FormatError: bad row`,
    );
    expect(s.store.composed).toHaveLength(0);
  });
});
