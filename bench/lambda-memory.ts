/**
 * What each workflow function needs, for choosing its Lambda memory size (decision 0035): CPU
 * seconds (user + system) and peak resident set of the data path's work on the bench data, and of
 * each function's bundle loading (its cold start) and one invocation of the small functions' core.
 * Every measurement runs in a child process of its own, so each peak resident set is that work's
 * alone. CPU time, not wall time, because the machine it runs on may be shared. Not part of
 * `npm run bench`.
 *
 * Run: node --import tsx bench/lambda-memory.ts [runs=3] [case ...]
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleAsDeployed } from './deployed-bundle';

// The compiled copy runs from bench/.build/, one folder below the source.
const HERE = dirname(fileURLToPath(import.meta.url));
const BENCH_DIR = HERE.endsWith('.build') ? dirname(HERE) : HERE;
const ROOT = join(BENCH_DIR, '..');
const DATA = join(BENCH_DIR, '.data');
const CSV = join(DATA, 'orders-v1-s20261122-1000000.csv');
const PARQUET = join(DATA, 'orders-v1-s20261122-1000000.duckdb.parquet');
const PARQUET_E = join(DATA, 'e-3000000.duckdb.parquet');
const CONTRACT = join(DATA, 'orders-v1.contract.yaml');
const OUT = join(DATA, 'out');
const COMPILED = join(BENCH_DIR, '.build', 'lambda-memory.mjs');
const BUNDLES = join(BENCH_DIR, '.build', 'lambda-bundles');
const FUNCTIONS = ['register', 'inspect', 'validate', 'convert', 'lineage', 'publish'] as const;

/** What one child prints: its work's CPU and the process's peak resident set. */
interface Measurement {
  readonly case: string;
  readonly bytes: number;
  readonly rows: number;
  readonly warmCpuSeconds?: number;
  readonly cpuSeconds: number;
  /** Of cpuSeconds, the share spent on the main thread. */
  readonly mainThreadShare: number | null;
  readonly peakRssMiB: number;
}

const cpuSeconds = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1e6;

/** A case's size; a small function's case also times a second, warm invocation (its first loads code). */
interface CaseResult {
  readonly bytes: number;
  readonly rows: number;
  readonly warmCpuSeconds?: number;
}

/**
 * CPU seconds of the main thread alone (Linux: /proc/self/task/<pid>/stat, in clock ticks of
 * 10 ms), against the process's: what is left runs on other threads (the collector's helpers, the
 * thread pool's inflating), the only work a second vCPU can take; null where /proc is missing.
 */
function mainThreadCpuSeconds(): number | null {
  const path = `/proc/self/task/${process.pid}/stat`;
  if (!existsSync(path)) return null;
  const stat = readFileSync(path, 'utf8');
  // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function warmCpu<T>(run: () => Promise<T>): Promise<[T, number]> {
  const before = process.cpuUsage();
  const result = await run();
  return [result, Number(cpuSeconds(process.cpuUsage(before)).toFixed(4))];
}

async function contract() {
  const { parseContract } = await import('../lambdas/core/contracts/parse-contract');
  return parseContract(await readFile(CONTRACT, 'utf8'), CONTRACT);
}

/** Bytes of the CSV's header line, newline included: where its first data range starts. */
function csvHeaderEnd(): number {
  const head = Buffer.alloc(4096);
  const fd = openSync(CSV, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  return head.indexOf(10) + 1;
}

/** The data path's work, as the validate and convert functions run it, and the small functions' cores. */
const CASES: Record<string, () => Promise<CaseResult>> = {
  'validate-csv': async () => {
    const { readCsvColumns } = await import('../lambdas/core/formats/csv-column-reader');
    const { fileSource } = await import('../lambdas/core/storage/file-byte-io');
    const { validateColumns } = await import('../lambdas/core/validation/validate-records');
    const r = await validateColumns(await contract(), readCsvColumns(fileSource(CSV).stream()));
    return { bytes: statSync(CSV).size, rows: r.rowCount };
  },
  'validate-csv-range': async () => {
    const { validateCsvRange } = await import('../lambdas/core/ranged-validation');
    const { fileSource } = await import('../lambdas/core/storage/file-byte-io');
    const size = statSync(CSV).size;
    const start = csvHeaderEnd();
    const state = await validateCsvRange(fileSource(CSV), {
      contract: await contract(),
      headerEnd: start,
      start,
      end: size,
    });
    return { bytes: size - start, rows: state.rowCount };
  },
  'validate-parquet': async () => {
    const { readParquetColumns } = await import('../lambdas/core/formats/parquet-column-reader');
    const { fileSource } = await import('../lambdas/core/storage/file-byte-io');
    const { validateColumns } = await import('../lambdas/core/validation/validate-records');
    const c = await contract();
    const columns = c.schema.map((s) => s.name);
    const r = await validateColumns(
      c,
      readParquetColumns(fileSource(PARQUET), { columns, presentOnly: true, stringsAsText: true }),
    );
    return { bytes: statSync(PARQUET).size, rows: r.rowCount };
  },
  'validate-parquet-range': async () => {
    const { validateParquetRange } = await import('../lambdas/core/ranged-validation');
    const { fileSource } = await import('../lambdas/core/storage/file-byte-io');
    const state = await validateParquetRange(fileSource(PARQUET), {
      contract: await contract(),
      rowGroups: { start: 0, end: Number.MAX_SAFE_INTEGER },
    });
    return { bytes: statSync(PARQUET).size, rows: state.rowCount };
  },
  'convert-csv-parquet': async () => {
    const { convertTable } = await import('../lambdas/core/conversion/convert-table');
    const { fileSink, fileSource } = await import('../lambdas/core/storage/file-byte-io');
    const out = join(OUT, 'lambda-memory-c.parquet');
    const r = await convertTable(fileSource(CSV), fileSink(out), () => fileSource(out), {
      to: 'parquet',
      contract: await contract(),
      parquetCodec: 'snappy',
    });
    return { bytes: statSync(CSV).size, rows: r.rowsOut };
  },
  'convert-csv-parquet-range': async () => {
    const { convertRange } = await import('../lambdas/core/conversion/convert-range');
    const { fileSink, fileSource } = await import('../lambdas/core/storage/file-byte-io');
    const size = statSync(CSV).size;
    const start = csvHeaderEnd();
    const out = join(OUT, 'lambda-memory-range.parquet');
    const r = await convertRange(fileSource(CSV), fileSink(out), () => fileSource(out), {
      range: { kind: 'csv', headerEnd: start, start, end: size },
      first: true,
      firstRow: 0,
      to: 'parquet',
      contract: await contract(),
      parquetCodec: 'snappy',
    });
    return { bytes: size - start, rows: r.rowsOut };
  },
  'convert-parquet-csv-e': async () => {
    const { convertTable } = await import('../lambdas/core/conversion/convert-table');
    const { fileSink, fileSource } = await import('../lambdas/core/storage/file-byte-io');
    const out = join(OUT, 'lambda-memory-e.csv');
    const r = await convertTable(fileSource(PARQUET_E), fileSink(out), () => fileSource(out), {
      to: 'csv',
    });
    return { bytes: statSync(PARQUET_E).size, rows: r.rowsOut };
  },
  'convert-parquet-csv-e-range': async () => {
    const { convertRange } = await import('../lambdas/core/conversion/convert-range');
    const { fileSink, fileSource } = await import('../lambdas/core/storage/file-byte-io');
    const out = join(OUT, 'lambda-memory-e-range.csv');
    const r = await convertRange(fileSource(PARQUET_E), fileSink(out), () => fileSource(out), {
      range: { kind: 'parquet', start: 0, end: Number.MAX_SAFE_INTEGER },
      first: true,
      firstRow: 0,
      to: 'csv',
    });
    return { bytes: statSync(PARQUET_E).size, rows: r.rowsOut };
  },
  // The small functions' cores, on the in-memory fixtures the unit tests use: their CPU besides
  // the S3 and DynamoDB calls, which are waits.
  'core-register': async () => {
    const { registerOutput } = await import('../lambdas/core/workflow/register-output');
    const f = await smallFixtures();
    const register = (n: number) =>
      registerOutput({ object: f.objectRef({ key: f.key, etag: `e${n}`, size: 10 }) }, f.deps);
    await register(0);
    const [r, warm] = await warmCpu(() => register(1));
    return { bytes: 0, rows: r.tracked ? 1 : 0, warmCpuSeconds: warm };
  },
  'core-inspect': async () => {
    const { inspectOutput } = await import('../lambdas/core/workflow/inspect-output');
    const f = await smallFixtures();
    const body = Buffer.alloc(1 << 20);
    const fd = openSync(CSV, 'r');
    readSync(fd, body, 0, body.length, 0);
    closeSync(fd);
    const stored = f.store.put(f.LANDING_BUCKET, f.key, body, { versionId: 'v1' });
    const object = f.objectRef({ key: f.key, etag: stored.etag, size: body.byteLength, versionId: 'v1' });
    const inspect = () => inspectOutput({ object, output: f.trainingDataOutput() }, { store: f.store });
    await inspect();
    const [r, warm] = await warmCpu(inspect);
    return { bytes: body.byteLength, rows: r.formatMatches ? 1 : 0, warmCpuSeconds: warm };
  },
  'core-lineage': async () => {
    const { recordLineage } = await import('../lambdas/core/workflow/record-lineage');
    const f = await smallFixtures();
    const object = f.objectRef({ key: f.key, etag: 'tt', size: 10, versionId: 'v9' });
    const record = () =>
      recordLineage({ object, output: f.trainingDataOutput(), conversion: { converted: false } }, f.deps);
    await record();
    const [r, warm] = await warmCpu(record);
    return { bytes: 0, rows: r.edges, warmCpuSeconds: warm };
  },
};

async function smallFixtures() {
  const { ContractCatalog } = await import('../lambdas/core/contracts/contract-catalog');
  const { InMemoryObjectStore } = await import('../test/fixtures/in-memory-object-store');
  const { InMemoryRegistry } = await import('../test/fixtures/in-memory-registry');
  const { ARTIFACTS_BUCKET, CONTRACTS_PREFIX, seedSampleContracts } =
    await import('../test/fixtures/sample-contracts');
  const { LANDING_BUCKET, objectRef, trainingDataOutput } = await import('../test/fixtures/step-events');
  const store = new InMemoryObjectStore();
  seedSampleContracts(store);
  const registry = new InMemoryRegistry([]);
  const deps = {
    catalog: new ContractCatalog(store, ARTIFACTS_BUCKET, CONTRACTS_PREFIX),
    registry,
    lineage: registry.lineage,
    now: () => new Date('2026-11-02T08:00:00.000Z'),
  };
  const key = 'pipelines/sales/2024-06-01/preprocessing/training_data/part-0.csv';
  return { store, deps, key, LANDING_BUCKET, objectRef, trainingDataOutput };
}

/** The environment the stack gives the functions; the clients are created, never called. */
const HANDLER_ENV: Record<string, string> = {
  PRT_REGISTRY_TABLE: 'prt-registry',
  PRT_ARTIFACTS_BUCKET: 'artifacts-bucket',
  PRT_CONTRACTS_PREFIX: 'contracts/',
  PRT_REPORTS_PREFIX: 'reports/',
  PRT_QUARANTINE_PREFIX: 'quarantine/',
  PRT_CONVERTED_PREFIX: 'converted/',
  PRT_MANIFESTS_PREFIX: 'manifests/',
  PRT_RESULTS_PREFIX: 'results/',
  PRT_PUBLISHED_PREFIX: 'published/',
  PRT_OUTPUTS_BUCKET: 'outputs-bucket',
  AWS_REGION: 'eu-west-1',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
};

/** Child: one case, or one function's bundle loaded (`load-<function>`), measured and printed as JSON. */
async function child(name: string): Promise<void> {
  let result: CaseResult;
  const before = process.cpuUsage();
  const mainBefore = mainThreadCpuSeconds();
  if (name.startsWith('load-')) {
    Object.assign(process.env, HANDLER_ENV);
    const loaded = createRequire(import.meta.url)(join(BUNDLES, `${name.slice(5)}.cjs`)) as {
      handler?: unknown;
    };
    if (typeof loaded.handler !== 'function') throw new Error(`${name}: no handler`);
    result = { bytes: 0, rows: 0 };
  } else {
    const run = CASES[name];
    if (!run) throw new Error(`unknown case ${name}`);
    result = await run();
  }
  const cpu = cpuSeconds(process.cpuUsage(before));
  const mainAfter = mainThreadCpuSeconds();
  const m: Measurement = {
    case: name,
    ...result,
    cpuSeconds: Number(cpu.toFixed(3)),
    mainThreadShare:
      mainBefore === null || mainAfter === null ? null : Number(((mainAfter - mainBefore) / cpu).toFixed(3)),
    peakRssMiB: Number((process.resourceUsage().maxRSS / 1024).toFixed(1)),
  };
  console.log(JSON.stringify(m));
}

/** Each function bundled as the stack bundles it (lib/function-bundling.ts: CJS, minified, source map, SDK included). */
async function bundleFunctions(): Promise<void> {
  mkdirSync(BUNDLES, { recursive: true });
  for (const fn of FUNCTIONS)
    await bundleAsDeployed(join(ROOT, 'lambdas', fn, 'handler.ts'), join(BUNDLES, `${fn}.cjs`));
}

async function compileSelf(): Promise<void> {
  const { build } = await import('esbuild');
  await build({
    entryPoints: [join(BENCH_DIR, 'lambda-memory.ts')],
    outfile: COMPILED,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** A case's medians, as the parent prints them. */
interface Summary {
  readonly case: string;
  readonly bytes: number;
  readonly medianCpuSeconds: number;
  readonly cpuSecondsPerGB: number | null;
  readonly medianMainThreadShare: number | null;
  readonly maxPeakRssMiB: number;
}

/** Memory sizes modelled: below, at and above one vCPU (1,769 MB), and the chosen ones (decision 0035). */
const MEMORY_CANDIDATES = [512, 1024, 1769, 2048, 2304, 2496, 2560, 3008] as const;
/** Lambda, arm64 (the functions' architecture), us-east-1, first tier: USD per GB-second. */
const ARM_PRICE_PER_GB_SECOND = 0.0000133334;
/** The validate and convert functions' 300 s less the time budget's reserve (a tenth, 30 s). */
const WORK_SECONDS = 270;

/**
 * Duration and cost per GB tested at each memory size, from the measured CPU: below 1,769 MB a
 * function gets memory/1,769 of a vCPU, so its CPU stretches by 1,769/memory; above it, the extra
 * vCPU share takes only the work off the main thread, so the duration cannot fall below the main
 * thread's CPU. I/O waits are not in the CPU and are billed at every size.
 */
function model(summaries: readonly Summary[]): void {
  for (const s of summaries) {
    if (s.cpuSecondsPerGB === null) continue;
    const main = s.cpuSecondsPerGB * (s.medianMainThreadShare ?? 1);
    for (const memory of MEMORY_CANDIDATES) {
      const secondsPerGB = Math.max((s.cpuSecondsPerGB * 1769) / memory, main);
      console.log(
        JSON.stringify({
          model: s.case,
          memoryMB: memory,
          secondsPerGB: Number(secondsPerGB.toFixed(1)),
          usdPerGB: Number((secondsPerGB * (memory / 1024) * ARM_PRICE_PER_GB_SECOND).toFixed(5)),
          maxGBIn270s: Number((WORK_SECONDS / secondsPerGB).toFixed(2)),
          peakRssShareOfMemory: Number((s.maxPeakRssMiB / memory).toFixed(2)),
        }),
      );
    }
  }
}

async function parent(runs: number, only: readonly string[]): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  await compileSelf();
  await bundleFunctions();
  const names = only.length > 0 ? only : [...FUNCTIONS.map((f) => `load-${f}`), ...Object.keys(CASES)];
  console.log(JSON.stringify({ node: process.version, loadAverage: loadavg().map((l) => +l.toFixed(2)) }));
  const byCase = new Map<string, Measurement[]>();
  // Rounds interleave the cases, so a change in the machine's load spreads over all of them.
  for (let i = 0; i < runs; i++)
    for (const name of names) {
      // A bundle loads as deployed: lib/workflow-functions.ts sets --enable-source-maps, which reads its map.
      const env = name.startsWith('load-')
        ? { ...process.env, NODE_OPTIONS: '--enable-source-maps' }
        : process.env;
      const r = spawnSync(process.execPath, [COMPILED, name], { encoding: 'utf8', env });
      if (r.status !== 0) throw new Error(`${name}: ${r.stderr}`);
      const m = JSON.parse(r.stdout.trim().split('\n').pop()!) as Measurement;
      byCase.set(name, [...(byCase.get(name) ?? []), m]);
    }
  const summaries: Summary[] = [];
  for (const [name, ms] of byCase) {
    const cpu = median(ms.map((m) => m.cpuSeconds));
    const { bytes, rows } = ms[0]!;
    const summary = {
      case: name,
      runs: ms.length,
      bytes,
      rows,
      cpuSeconds: ms.map((m) => m.cpuSeconds),
      medianCpuSeconds: cpu,
      cpuSecondsPerGB:
        bytes > 0 && !name.startsWith('core-') ? Number((cpu / (bytes / 1e9)).toFixed(1)) : null,
      ...(ms[0]!.warmCpuSeconds !== undefined
        ? { medianWarmCpuSeconds: median(ms.map((m) => m.warmCpuSeconds!)) }
        : {}),
      medianMainThreadShare:
        ms[0]!.mainThreadShare === null ? null : median(ms.map((m) => m.mainThreadShare!)),
      peakRssMiB: ms.map((m) => m.peakRssMiB),
      maxPeakRssMiB: Math.max(...ms.map((m) => m.peakRssMiB)),
      loadAverage: loadavg().map((l) => +l.toFixed(2)),
    };
    summaries.push(summary);
    console.log(JSON.stringify(summary));
  }
  model(summaries);
}

const [first, ...rest] = process.argv.slice(2);
if (first !== undefined && (first in CASES || first.startsWith('load-'))) await child(first);
// `model`: the model again from a run's printed summaries, on stdin.
else if (first === 'model')
  model(
    readFileSync(0, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{"case"'))
      .map((l) => JSON.parse(l) as Summary),
  );
else if (existsSync(DATA)) await parent(Number(first ?? 3), rest);
else throw new Error(`no bench data in ${DATA}: run npm run bench once`);
