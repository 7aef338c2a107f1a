/**
 * Throughput of one range, as a Distributed Map child validates it (validateCsvRange,
 * validateParquetRange: the code `mode: part` with a `Range` runs), on this machine, for
 * docs/scale.md. Not part of `npm run bench`: a few runs of two measurements, medians printed with
 * the load average, since the machine it runs on may be shared.
 *
 * Run: node --import tsx bench/range-throughput.ts [rows=1000000] [runs=3]
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { convertTable } from '../lambdas/core/conversion';
import { parseContract } from '../lambdas/core/contracts';
import { validateCsvRange, validateParquetRange } from '../lambdas/core/ranged-validation';
import { fileSink, fileSource } from '../lambdas/core/storage';
import { ensureDataSet, RULES, contractYaml } from './generate-data';

const rows = Number(process.argv[2] ?? 1_000_000);
const runs = Number(process.argv[3] ?? 3);
const data = ensureDataSet(rows);
const contract = parseContract(contractYaml(RULES), 'orders.contract.yaml');

/** Bytes of the header line, newline included: where the first data range starts. */
function headerEnd(path: string): number {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(4096);
    readSync(fd, head, 0, head.length, 0);
    return head.indexOf(10) + 1;
  } finally {
    closeSync(fd);
  }
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function timed(label: string, bytes: number, run: () => Promise<number>): Promise<void> {
  const seconds: number[] = [];
  let counted = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    counted = await run();
    seconds.push((performance.now() - t0) / 1000);
  }
  const mbps = seconds.map((s) => bytes / 1e6 / s);
  console.log(
    JSON.stringify({
      range: label,
      bytes,
      rows: counted,
      seconds: seconds.map((s) => Number(s.toFixed(2))),
      medianSeconds: Number(median(seconds).toFixed(2)),
      medianMBps: Number(median(mbps).toFixed(1)),
      medianRowsPerSecond: Math.round(counted / median(seconds)),
      loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
    }),
  );
}

const parquetPath = data.csvPath.replace(/\.csv$/, '.prt.parquet');
if (!existsSync(parquetPath)) {
  const sink = fileSink(parquetPath);
  await convertTable(fileSource(data.csvPath), sink, () => fileSource(parquetPath), {
    to: 'parquet',
    contract,
  });
}

console.log(
  JSON.stringify({
    cpus: (await import('node:os')).cpus().length,
    loadAverage: loadavg(),
    node: process.version,
  }),
);

const start = headerEnd(data.csvPath);
await timed('csv', data.bytes - start, async () => {
  const state = await validateCsvRange(fileSource(data.csvPath), {
    contract,
    headerEnd: start,
    start,
    end: data.bytes,
  });
  return state.rowCount;
});

// The whole file's row groups as one range: what a child is given when the plan groups them.
const parquetBytes = statSync(parquetPath).size;
await timed('parquet', parquetBytes, async () => {
  const state = await validateParquetRange(fileSource(parquetPath), {
    contract,
    rowGroups: { start: 0, end: Number.MAX_SAFE_INTEGER },
  });
  return state.rowCount;
});
