/**
 * The fixed costs of a folder of many parts, for docs/scale.md: validating one small part (what a
 * map child does besides reading its bytes) and merging N parts' envelopes (MergeParts, one
 * function for the whole folder), with the project's own validatePart and mergeParts over the
 * in-memory object store. Not part of `npm run bench`.
 *
 * Run: node --import tsx bench/merge-throughput.ts [parts=2000]
 */
import { loadavg } from 'node:os';
import { ContractCatalog } from '../lambdas/core/contracts';
import { mergeParts, validatePart, type PartitionDeps } from '../lambdas/core/workflow/validate-partitions';
import { InMemoryObjectStore } from '../test/fixtures/in-memory-object-store';
import { ARTIFACTS_BUCKET, CONTRACTS_PREFIX, seedSampleContracts } from '../test/fixtures/sample-contracts';
import { LANDING_BUCKET, objectRef } from '../test/fixtures/step-events';

const parts = Number(process.argv[2] ?? 2000);
const FOLDER = 'datasets/sales/r1/orders/';
const store = new InMemoryObjectStore();
seedSampleContracts(store);
const deps: PartitionDeps = {
  store,
  catalog: new ContractCatalog(store, ARTIFACTS_BUCKET, CONTRACTS_PREFIX),
  artifactsBucket: ARTIFACTS_BUCKET,
  reportsPrefix: 'reports/',
  quarantinePrefix: 'quarantine/',
  now: () => new Date('2026-11-02T08:00:00Z'),
};
const dataset = {
  ...objectRef({ key: FOLDER, etag: 'd41d8cd98f00b204e9800998ecf8427e', size: 0 }),
  sk: 'VER#m1',
};
const output = {
  pipeline: 'sales',
  step: 'export',
  output: 'orders_parts',
  runId: 'r1',
  contractKey: `${CONTRACTS_PREFIX}sales-export-orders_parts.yaml`,
  format: 'csv' as const,
  convertTo: null,
  jobType: 'spark',
};
const header = 'order_id,customer_id,amount,channel,ordered_at';
for (let p = 0; p < parts; p++) {
  const rows = Array.from({ length: 20 }, (_, r) => {
    const n = p * 20 + r;
    return `o${n},${(n % 90_000) + 1},${((n % 500) + 0.5).toFixed(2)},web,2026-11-01T00:00:00Z`;
  });
  store.put(
    LANDING_BUCKET,
    `${FOLDER}part-${String(p).padStart(5, '0')}.csv`,
    `${header}\n${rows.join('\n')}\n`,
  );
}
const listed = [];
for await (const o of store.list(LANDING_BUCKET, FOLDER)) listed.push(o);
const t0 = performance.now();
for (const o of listed)
  await validatePart({ part: { Key: o.key, Size: o.size, Etag: `"${o.etag}"` }, dataset, output }, deps);
const t1 = performance.now();
const result = await mergeParts({ dataset, output, toleratedFailurePercentage: 0 }, deps);
const t2 = performance.now();
console.log(
  JSON.stringify({
    parts,
    rows: result.rowCount,
    status: result.status,
    validateMsPerPart: Number(((t1 - t0) / parts).toFixed(1)),
    mergeSeconds: Number(((t2 - t1) / 1000).toFixed(2)),
    mergeMsPerPart: Number(((t2 - t1) / parts).toFixed(2)),
    loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
  }),
);
