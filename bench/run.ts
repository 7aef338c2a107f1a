/**
 * prt benchmark: each case K times, each run in a fresh child process, engines interleaved run by
 * run (prt, DuckDB, [pandas], prt, DuckDB, ...) so machine noise spreads over all of them. Prints
 * medians and ratios measured in this run, and writes bench/results/latest.json.
 *
 *   npm run bench                      # default: 1M rows (~79 MB), 5 runs, memory 10 MB vs 200 MB
 *   npm run bench -- --runs 3          # fewer runs
 *   npm run bench -- --large           # memory case on a 1 GB input (generated once, cached; slow)
 *   npm run bench -- --only a,d,mem    # a subset of cases (a, b, c, d, e, mem)
 *   npm run bench -- --e-rows 500000   # rows of case e's Parquet file (default 3,000,000)
 *   npm run bench -- --rows 200000     # a smaller main data set
 *   npm run bench -- --out /tmp/x.json # write the JSON elsewhere (default bench/results/latest.json)
 *
 * Benchmarks are not tests: nothing here fails on a number. Targets are printed next to the ratios.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bundledPackagesPlugin, REQUIRE_BANNER } from '../bin/bundled-packages.mjs';
import type { CaseResult, CaseSpec } from './case';
import {
  BYTES_PER_ROW,
  CHECK_RULES,
  COLUMNS,
  DATA_DIR,
  GENERATOR_VERSION,
  RULES,
  ensureDataSet,
} from './generate-data';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH_DIR);
const MB = 1e6;

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    rows: { type: 'string', default: '1000000' },
    large: { type: 'boolean', default: false },
    only: { type: 'string', default: 'a,b,c,d,e,mem' },
    'e-rows': { type: 'string', default: '3000000' },
    out: { type: 'string', default: 'bench/results/latest.json' },
  },
});
const RUNS = Math.max(1, Number(args.runs));
const MAIN_ROWS = Math.max(1000, Number(args.rows));
const ONLY = new Set(args.only.split(',').map((s) => s.trim()));
const E_ROWS = Math.max(1000, Number(args['e-rows']));

/** prt2 / duckdb2: the same engine on two cores (prt: 2 worker threads over byte ranges; DuckDB: 2 threads). */
type Engine = 'prt' | 'duckdb' | 'pandas' | 'prt2' | 'duckdb2';

interface RunSample {
  readonly wallSeconds: number;
  readonly workSeconds: number;
  readonly cpuSeconds: number;
  readonly peakRssMB: number;
}

interface EngineSeries {
  readonly engine: Engine;
  label: string;
  readonly samples: RunSample[];
  last?: CaseResult;
  failure?: string;
}

/** `subject` (default prt) against `reference`; shown on the row of `row` (default the reference). */
interface Comparison {
  readonly reference: Engine;
  readonly subject?: Engine;
  readonly row?: Engine;
  readonly target?: number;
  ratioWall?: number;
  ratioWork?: number;
  ratioCpu?: number;
}

interface CaseReport {
  readonly id: string;
  readonly title: string;
  readonly input: string;
  readonly inputBytes: number;
  readonly series: EngineSeries[];
  readonly comparisons: Comparison[];
  agreement?: string;
  notes: string[];
}

function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function rel(p: string): string {
  return relative(ROOT, p);
}

/** Starts one child, waits for it, and returns its wall time and its BENCH_RESULT line. */
function runChild(
  cmd: string,
  argv: readonly string[],
): Promise<{ wallSeconds: number; result: CaseResult }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallSeconds = (performance.now() - t0) / 1000;
      const line = out.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      if (code !== 0 || !line) {
        reject(new Error(`exit ${code}: ${(err || out).trim().split('\n').slice(-6).join('\n')}`));
        return;
      }
      resolve({ wallSeconds, result: JSON.parse(line.slice('BENCH_RESULT '.length)) as CaseResult });
    });
  });
}

/**
 * The case runner compiled once per bench run, as bin/build.mjs compiles the CLI (esbuild, the
 * same packages bundled in, the rest left as imports), so each child starts as the compiled CLI
 * and the Lambda bundles do: JavaScript, not TypeScript compiled at start-up. Two folders below
 * the root, like dist/cli, so paths resolved from the module's own URL (the project root, worker
 * sources) resolve alike.
 */
const COMPILED_CASE = join(BENCH_DIR, '.build', 'case.mjs');

async function compileCase(): Promise<void> {
  const { build } = await import('esbuild');
  await build({
    entryPoints: [join(BENCH_DIR, 'case.ts')],
    outdir: dirname(COMPILED_CASE),
    outExtension: { '.js': '.mjs' },
    // Each engine's module stays its own chunk, loaded by the child that runs that engine only.
    splitting: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    plugins: [bundledPackagesPlugin()],
    banner: { js: REQUIRE_BANNER },
    logLevel: 'warning',
  });
}

function nodeCase(spec: CaseSpec): [string, string[]] {
  return [process.execPath, [COMPILED_CASE, JSON.stringify(spec)]];
}

/** The python3 that has pandas: $PRT_BENCH_PYTHON, python3 on PATH, then Debian's /usr/bin/python3. */
function findPandasPython(): { python?: string; version?: string } {
  const candidates = [process.env['PRT_BENCH_PYTHON'], 'python3', '/usr/bin/python3'].filter(
    (c): c is string => !!c,
  );
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import pandas; print(pandas.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return { python, version: r.stdout.trim() };
  }
  return {};
}

function pandasCase(python: string, input: string): [string, string[]] {
  const spec = { input, columns: COLUMNS, rules: RULES };
  return [python, [join(BENCH_DIR, 'validate_pandas.py'), JSON.stringify(spec)]];
}

/** Which prt code was measured (read-only git queries). */
function codeVersion(): { commit: string; uncommittedCoreFiles: string[] } {
  const git = (...a: string[]): string =>
    spawnSync('git', a, { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() ?? '';
  const status = git('status', '--porcelain', '--untracked-files=all', '--', 'lambdas/core');
  return {
    commit: git('rev-parse', '--short', 'HEAD') || 'unknown',
    uncommittedCoreFiles: status ? status.split('\n').map((l) => l.slice(3)) : [],
  };
}

/** 'met' / 'not met' for a measured ratio; 'not measured' when an engine failed. */
function verdict(ratio: number | undefined, ok: (x: number) => boolean): string {
  if (ratio === undefined || Number.isNaN(ratio)) return 'not measured';
  return ok(ratio) ? 'met' : 'not met';
}

function fmt(n: number | undefined, digits = 2): string {
  return n === undefined || Number.isNaN(n) ? '—' : n.toFixed(digits);
}

/** Runs the engines of one case interleaved, RUNS times. */
async function runCase(
  report: CaseReport,
  commands: Partial<Record<Engine, () => [string, string[]]>>,
): Promise<void> {
  process.stdout.write(
    `\n${report.id}  ${report.title}  (${rel(report.input)}, ${fmt(report.inputBytes / MB, 1)} MB)\n`,
  );
  for (let run = 1; run <= RUNS; run++) {
    for (const series of report.series) {
      const make = commands[series.engine];
      if (!make || series.failure) continue;
      const [cmd, argv] = make();
      try {
        const { wallSeconds, result } = await runChild(cmd, argv);
        series.samples.push({
          wallSeconds,
          workSeconds: result.workSeconds,
          cpuSeconds: result.cpuSeconds,
          peakRssMB: result.peakRssMB,
        });
        series.last = result;
        if (result.engineVersion && series.engine !== 'prt' && series.engine !== 'prt2')
          series.label = labelOf(series.engine, result.engineVersion);
        process.stdout.write(
          `  run ${run}/${RUNS} ${series.label.padEnd(16)} wall ${fmt(wallSeconds)} s  work ${fmt(
            result.workSeconds,
          )} s  peak RSS ${fmt(result.peakRssMB, 0)} MB\n`,
        );
      } catch (e) {
        series.failure = (e as Error).message;
        process.stdout.write(`  run ${run}/${RUNS} ${series.label}: FAILED ${series.failure}\n`);
      }
    }
  }
  for (const c of report.comparisons) {
    const prt = report.series.find((s) => s.engine === (c.subject ?? 'prt'));
    const ref = report.series.find((s) => s.engine === c.reference);
    if (!prt?.samples.length || !ref?.samples.length) continue;
    c.ratioWall =
      median(ref.samples.map((s) => s.wallSeconds)) / median(prt.samples.map((s) => s.wallSeconds));
    c.ratioWork =
      median(ref.samples.map((s) => s.workSeconds)) / median(prt.samples.map((s) => s.workSeconds));
    c.ratioCpu = median(ref.samples.map((s) => s.cpuSeconds)) / median(prt.samples.map((s) => s.cpuSeconds));
  }
  report.agreement = agreement(report.series);
}

function labelOf(engine: Engine, version?: string): string {
  if (engine === 'prt') return 'prt';
  if (engine === 'prt2') return 'prt 2 workers';
  if (engine === 'duckdb') return `DuckDB ${version?.replace(/^v/, '') ?? ''} 1T`.replace('  ', ' ');
  if (engine === 'duckdb2') return `DuckDB ${version?.replace(/^v/, '') ?? ''} 2T`.replace('  ', ' ');
  return version ?? 'pandas';
}

/** The engines must have computed the same numbers, or the timings compare different work. */
function agreement(series: readonly EngineSeries[]): string {
  const done = series.filter((s) => s.last);
  if (done.length < 2) return 'n/a (fewer than two engines finished)';
  const key = (r: CaseResult): string => {
    const c = r.checks as { rows?: number; nulls?: object; passed?: object } | undefined;
    if (c) return JSON.stringify({ rows: c.rows, nulls: c.nulls, passed: c.passed });
    return JSON.stringify({ rowsWritten: r.rowsWritten });
  };
  const first = key(done[0]!.last!);
  const differing = done.filter((s) => key(s.last!) !== first);
  return differing.length === 0
    ? `all engines agree: ${first}`
    : `MISMATCH: ${done.map((s) => `${s.label} ${key(s.last!)}`).join(' | ')}`;
}

function newSeries(engine: Engine): EngineSeries {
  return { engine, label: labelOf(engine), samples: [] };
}

/** Rows for a file of about `mb` MB, rounded to thousands (fixed, so the cached files are reused). */
function rowsForMB(mb: number): number {
  return Math.round((mb * MB) / BYTES_PER_ROW / 1000) * 1000;
}

/**
 * The 2-core columns: prt on 2 worker threads against prt on one (its speed-up; shown on the
 * prt 2 workers row), and against DuckDB on 2 threads (shown on that row).
 */
function twoCoreComparisons(speedUpTarget: number | undefined): Comparison[] {
  return [
    {
      subject: 'prt2',
      reference: 'prt',
      row: 'prt2',
      ...(speedUpTarget !== undefined ? { target: speedUpTarget } : {}),
    },
    { subject: 'prt2', reference: 'duckdb2', row: 'duckdb2' },
  ];
}

const TWO_CORE_NOTE =
  'prt 2 workers: prt validate --workers 2: this thread and one worker thread are the lanes; the file is planned into 3 pieces per lane (a CSV into byte ranges at record starts, quote-aware; a Parquet file into runs of row groups), grouped into 2 ranges per lane of shrinking size, and a lane takes the next range when it finishes one (the worker once its code is loaded); states merged in file order. Its "vs" is its speed-up over prt on one thread. DuckDB 2T: SET threads = 2; its "vs" is prt 2 workers against it.';

/** Says how many ranges the 2-worker runs really used (a file it cannot split runs in one pass). */
function notePrt2(r: CaseReport): void {
  const note = r.series.find((s) => s.engine === 'prt2')?.last?.note;
  if (note) r.notes.push(`prt 2 workers used ${note}.`);
}

async function main(): Promise<void> {
  await compileCase();
  const started = new Date();
  const t0 = performance.now();
  const load0 = loadavg();
  const cpu = cpus()[0]?.model ?? 'unknown';
  console.log(`prt bench ${started.toISOString()}: ${RUNS} runs per engine, fresh process each`);
  console.log(
    `machine: ${cpus().length} cores (${cpu}), ${fmt(totalmem() / 2 ** 30, 1)} GiB, node ${process.version}`,
  );
  console.log(`load average at start: ${load0.map((l) => l.toFixed(2)).join(' ')}`);
  const code = codeVersion();
  const edits = code.uncommittedCoreFiles.length;
  console.log(
    `prt code: ${code.commit}${edits ? ` + ${edits} uncommitted file(s) in lambdas/core (listed in the JSON)` : ''}`,
  );

  // Data, generated once and cached under bench/.data/.
  let tGen = performance.now();
  const data = ensureDataSet(MAIN_ROWS);
  const memSmall = ensureDataSet(rowsForMB(10));
  const memBigMB = args.large ? 1000 : 200;
  const memBig = ONLY.has('mem') ? ensureDataSet(rowsForMB(memBigMB)) : undefined;
  const parquetFixture = data.csvPath.replace(/\.csv$/, '.duckdb.parquet');
  if (!existsSync(parquetFixture) && ONLY.has('c')) {
    const [cmd, argv] = nodeCase({
      case: 'csv-to-parquet',
      engine: 'duckdb',
      input: data.csvPath,
      output: parquetFixture,
    });
    await runChild(cmd, argv);
  }
  const eFixture = join(DATA_DIR, `e-${E_ROWS}.duckdb.parquet`);
  if (!existsSync(eFixture) && ONLY.has('e')) {
    const [cmd, argv] = nodeCase({
      case: 'generate-parquet',
      engine: 'duckdb',
      output: eFixture,
      rows: E_ROWS,
    });
    await runChild(cmd, argv);
  }
  const generationSeconds = (performance.now() - tGen) / 1000;
  console.log(
    `data: ${rel(data.csvPath)} ${data.rows} rows, ${fmt(data.bytes / MB, 1)} MB (prepared in ${fmt(generationSeconds)} s)`,
  );

  const pandas = findPandasPython();
  const notes: string[] = [];
  if (!pandas.python) {
    console.log('pandas not installed: apt-get install python3-pandas');
    notes.push('pandas not installed (apt-get install python3-pandas): case d ran without the pandas column');
  } else console.log(`pandas ${pandas.version} via ${pandas.python}`);

  // Startup cost of an empty child of each kind (imports only), for reading the wall times.
  tGen = performance.now();
  const startup: Record<string, number> = {};
  const startupRss: Record<string, number> = {};
  for (const engine of ['prt', 'duckdb'] as const) {
    const [cmd, argv] = nodeCase({ case: 'warmup', engine });
    try {
      const warm = await runChild(cmd, argv);
      startup[engine] = warm.wallSeconds;
      startupRss[engine] = warm.result.peakRssMB;
    } catch (e) {
      startup[engine] = NaN;
      notes.push(`warm-up of ${engine} failed: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  if (pandas.python) {
    const t = performance.now();
    spawnSync(pandas.python, ['-c', 'import pandas'], { stdio: 'ignore' });
    startup['pandas'] = (performance.now() - t) / 1000;
  }
  console.log(
    `process start + imports (one warm-up each): ${Object.entries(startup)
      .map(([k, v]) => `${k} ${fmt(v)} s`)
      .join(', ')}`,
  );

  const reports: CaseReport[] = [];
  const contract = data.contractPath;
  const checksContract = data.checksContractPath;

  if (ONLY.has('a')) {
    const r: CaseReport = {
      id: 'a',
      title: `CSV parse + ${CHECK_RULES.length} checks`,
      input: data.csvPath,
      inputBytes: data.bytes,
      series: [newSeries('prt'), newSeries('duckdb'), newSeries('prt2'), newSeries('duckdb2')],
      comparisons: [{ reference: 'duckdb', target: 1.0 }, ...twoCoreComparisons(undefined)],
      notes: [
        'prt: file stream → readCsvColumns (bytes into column batches) → validateColumns (types every cell of the 6 columns, nulls, 4 rules).',
        TWO_CORE_NOTE,
        'DuckDB: read_csv with the 6 column types declared, null count of every column + the 4 rules.',
      ],
    };
    const base = {
      case: 'csv-check',
      input: data.csvPath,
      contract: checksContract,
      rules: 'checks',
    } as const;
    await runCase(r, {
      prt: () => nodeCase({ ...base, engine: 'prt' }),
      duckdb: () => nodeCase({ ...base, engine: 'duckdb' }),
      prt2: () => nodeCase({ ...base, engine: 'prt', workers: 2 }),
      duckdb2: () => nodeCase({ ...base, engine: 'duckdb', workers: 2 }),
    });
    notePrt2(r);
    reports.push(r);
  }

  if (ONLY.has('b')) {
    const r: CaseReport = {
      id: 'b',
      title: 'CSV → Parquet (snappy)',
      input: data.csvPath,
      inputBytes: data.bytes,
      series: [newSeries('prt'), newSeries('duckdb')],
      comparisons: [{ reference: 'duckdb', target: 0.5 }],
      notes: [
        'prt: convertTable(fileSource → fileSink, to parquet, snappy; its own encoder from typed columns, 100k-row groups) including its read-back equivalence proof (the written file is read again and checksummed).',
        'DuckDB: COPY (read_csv typed) TO … (FORMAT parquet, COMPRESSION snappy); no read-back.',
      ],
    };
    const base = { case: 'csv-to-parquet', input: data.csvPath, contract } as const;
    await runCase(r, {
      prt: () => nodeCase({ ...base, engine: 'prt', output: join(DATA_DIR, 'out', 'prt.parquet') }),
      duckdb: () => nodeCase({ ...base, engine: 'duckdb', output: join(DATA_DIR, 'out', 'duckdb.parquet') }),
    });
    reports.push(r);
  }

  if (ONLY.has('c')) {
    const r: CaseReport = {
      id: 'c',
      title: `Parquet read + ${CHECK_RULES.length} checks`,
      input: parquetFixture,
      inputBytes: statSync(parquetFixture).size,
      series: [newSeries('prt'), newSeries('duckdb'), newSeries('prt2'), newSeries('duckdb2')],
      comparisons: [{ reference: 'duckdb', target: 0.5 }, ...twoCoreComparisons(undefined)],
      notes: [
        'Input: the main CSV written to Parquet by DuckDB (snappy, 122,880-row groups), the same file for both.',
        TWO_CORE_NOTE,
      ],
    };
    const base = {
      case: 'parquet-check',
      input: parquetFixture,
      contract: checksContract,
      rules: 'checks',
    } as const;
    await runCase(r, {
      prt: () => nodeCase({ ...base, engine: 'prt' }),
      duckdb: () => nodeCase({ ...base, engine: 'duckdb' }),
      prt2: () => nodeCase({ ...base, engine: 'prt', workers: 2 }),
      duckdb2: () => nodeCase({ ...base, engine: 'duckdb', workers: 2 }),
    });
    const prtNote = r.series[0]?.last?.note;
    if (prtNote) r.notes.push(`prt reader: ${prtNote}.`);
    notePrt2(r);
    reports.push(r);
  }

  if (ONLY.has('d')) {
    const r: CaseReport = {
      id: 'd',
      title: `Validation, ${RULES.length}-rule contract`,
      input: data.csvPath,
      inputBytes: data.bytes,
      series: [
        newSeries('prt'),
        newSeries('duckdb'),
        ...(pandas.python ? [newSeries('pandas')] : []),
        newSeries('prt2'),
        newSeries('duckdb2'),
      ],
      comparisons: [
        { reference: 'duckdb', target: 1.0 },
        ...(pandas.python ? [{ reference: 'pandas' as const, target: 4.0 }] : []),
        ...twoCoreComparisons(1.7),
      ],
      notes: [
        TWO_CORE_NOTE,
        'Every engine reads cells as text and counts what does not convert instead of failing: prt validateColumns; DuckDB all-VARCHAR read_csv + TRY_CAST; pandas read_csv(dtype=str) + to_numeric/to_datetime(errors="coerce").',
      ],
    };
    const base = { case: 'validate', input: data.csvPath, contract, rules: 'contract' } as const;
    const python = pandas.python;
    await runCase(r, {
      prt: () => nodeCase({ ...base, engine: 'prt' }),
      duckdb: () => nodeCase({ ...base, engine: 'duckdb' }),
      ...(python ? { pandas: () => pandasCase(python, data.csvPath) } : {}),
      prt2: () => nodeCase({ ...base, engine: 'prt', workers: 2 }),
      duckdb2: () => nodeCase({ ...base, engine: 'duckdb', workers: 2 }),
    });
    notePrt2(r);
    reports.push(r);
  }

  if (ONLY.has('e')) {
    const r: CaseReport = {
      id: 'e',
      title: 'Parquet → CSV',
      input: eFixture,
      inputBytes: statSync(eFixture).size,
      series: [newSeries('prt'), newSeries('duckdb')],
      comparisons: [{ reference: 'duckdb' }],
      notes: [
        `Input: ${E_ROWS} rows × 5 columns (int64, int64, float64, timestamp, string) generated by DuckDB SQL, snappy, 122,880-row groups; cached.`,
        'prt: convertTable(fileSource → fileSink, to csv), including its read-back equivalence proof (the written CSV is read again and checksummed). DuckDB: COPY (SELECT * FROM read_parquet(…)) TO … (FORMAT csv), no read-back.',
      ],
    };
    const base = { case: 'parquet-to-csv', input: eFixture } as const;
    await runCase(r, {
      prt: () => nodeCase({ ...base, engine: 'prt', output: join(DATA_DIR, 'out', 'prt-e.csv') }),
      duckdb: () => nodeCase({ ...base, engine: 'duckdb', output: join(DATA_DIR, 'out', 'duckdb-e.csv') }),
    });
    reports.push(r);
  }

  // Memory: prt's validation pass on a small and a large input; flat memory means the ratio stays near 1.
  let memory:
    { small: CaseReport; big: CaseReport; bigLabel: string; ratio?: number; target: number } | undefined;
  if (ONLY.has('mem') && memBig) {
    const mk = (ds: typeof data, label: string): CaseReport => ({
      id: `mem ${label}`,
      title: `prt validation pass peak RSS, ${label} input`,
      input: ds.csvPath,
      inputBytes: ds.bytes,
      series: [newSeries('prt')],
      comparisons: [],
      notes: [],
    });
    const bigLabel = args.large ? '1 GB' : '200 MB';
    const small = mk(memSmall, '10 MB');
    const big = mk(memBig, bigLabel);
    for (const rep of [small, big]) {
      await runCase(rep, {
        prt: () =>
          nodeCase({ case: 'validate', engine: 'prt', input: rep.input, contract, rules: 'contract' }),
      });
    }
    const rss = (rep: CaseReport): number => median(rep.series[0]!.samples.map((s) => s.peakRssMB));
    memory = { small, big, bigLabel, ratio: rss(big) / rss(small), target: 1.25 };
  }

  // ---- Report ----
  const rows: string[][] = [
    [
      'case',
      'engine',
      'wall s',
      'work s',
      'cpu s',
      'MB/s',
      'peak RSS MB',
      'vs wall',
      'vs work',
      'vs cpu',
      'target',
    ],
  ];
  for (const r of reports) {
    r.series.forEach((s, i) => {
      const wall = median(s.samples.map((x) => x.wallSeconds));
      const cmp = r.comparisons.find((c) => (c.row ?? c.reference) === s.engine);
      rows.push([
        i === 0 ? `${r.id} ${r.title}` : '',
        s.label,
        s.failure && !s.samples.length ? 'FAILED' : fmt(wall),
        fmt(median(s.samples.map((x) => x.workSeconds))),
        fmt(median(s.samples.map((x) => x.cpuSeconds))),
        fmt(r.inputBytes / MB / wall, 1),
        fmt(median(s.samples.map((x) => x.peakRssMB)), 0),
        cmp?.ratioWall !== undefined ? `${fmt(cmp.ratioWall)}×` : '',
        cmp?.ratioWork !== undefined ? `${fmt(cmp.ratioWork)}×` : '',
        cmp?.ratioCpu !== undefined ? `${fmt(cmp.ratioCpu)}×` : '',
        cmp?.target !== undefined
          ? `≥ ${fmt(cmp.target, 1)}× ${verdict(cmp.ratioWall, (x) => x >= cmp.target!)}`
          : '',
      ]);
    });
  }
  if (memory) {
    for (const rep of [memory.small, memory.big]) {
      const s = rep.series[0]!;
      const wall = median(s.samples.map((x) => x.wallSeconds));
      rows.push([
        `${rep.id} (${fmt(rep.inputBytes / MB, 1)} MB)`,
        'prt',
        fmt(wall),
        fmt(median(s.samples.map((x) => x.workSeconds))),
        fmt(median(s.samples.map((x) => x.cpuSeconds))),
        fmt(rep.inputBytes / MB / wall, 1),
        fmt(median(s.samples.map((x) => x.peakRssMB)), 0),
        '',
        '',
        '',
        '',
      ]);
    }
    rows.push([
      `mem RSS(${memory.bigLabel}) / RSS(10 MB)`,
      'prt',
      '',
      '',
      '',
      '',
      '',
      Number.isNaN(memory.ratio ?? NaN) ? '—' : `${fmt(memory.ratio)}×`,
      '',
      '',
      `≤ 1.25× (for 1 GB) ${verdict(memory.ratio, (x) => x <= memory.target)}${args.large ? '' : `; measured at ${memory.bigLabel}`}`,
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  console.log(`\nResults (medians of ${RUNS} runs, all measured in this run)`);
  console.log(line(rows[0]!));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows.slice(1)) console.log(line(r));

  console.log('\nNotes');
  console.log(
    `- "vs" columns: prt throughput / this engine's = this engine's median time / prt's, for wall, work and CPU time; the target is judged on wall.`,
  );
  console.log(
    `- "wall s" is the whole child process (start, imports, work, exit); "work s" is timed inside it after imports and setup; "cpu s" is the child's user + system CPU (less sensitive to other load on the machine than wall time).`,
  );
  console.log(
    `- MB = 10^6 bytes; MB/s = input size / median wall s. Process start + imports alone: ${Object.entries(
      startup,
    )
      .map(([k, v]) => `${k} ${fmt(v)} s`)
      .join(', ')}.`,
  );
  console.log(
    `- Peak RSS after imports alone: ${Object.entries(startupRss)
      .map(([k, v]) => `${k} ${fmt(v, 0)} MB`)
      .join(', ')}.`,
  );
  for (const r of reports) {
    for (const n of r.notes) console.log(`- ${r.id}: ${n}`);
    console.log(`- ${r.id}: ${r.agreement}`);
  }
  if (memory) {
    const perRun = (rep: CaseReport): string =>
      rep.series[0]!.samples.map((x) => fmt(x.peakRssMB, 0)).join(', ');
    console.log(
      `- mem: peak RSS per run (MB), 10 MB: ${perRun(memory.small)}; ${memory.bigLabel}: ${perRun(memory.big)}.`,
    );
    console.log(
      `- mem: peak RSS of the whole process (node + tsx baseline included)${args.large ? '' : '; the target names 1 GB: run with --large to measure it'}.`,
    );
  }
  const failures = [...reports, ...(memory ? [memory.small, memory.big] : [])].flatMap((r) =>
    r.series.filter((s) => s.failure).map((s) => `${r.id} ${s.label} FAILED: ${s.failure}`),
  );
  for (const n of [...notes, ...failures]) console.log(`- ${n}`);
  const load1 = loadavg();
  const totalSeconds = (performance.now() - t0) / 1000;
  console.log(
    `- load average at end: ${load1.map((l) => l.toFixed(2)).join(' ')}; total ${fmt(totalSeconds, 0)} s`,
  );

  const summarize = (s: EngineSeries): object => ({
    engine: s.engine,
    label: s.label,
    medianWallSeconds: median(s.samples.map((x) => x.wallSeconds)),
    medianWorkSeconds: median(s.samples.map((x) => x.workSeconds)),
    medianCpuSeconds: median(s.samples.map((x) => x.cpuSeconds)),
    medianPeakRssMB: median(s.samples.map((x) => x.peakRssMB)),
    samples: s.samples,
    ...(s.failure ? { failure: s.failure } : {}),
    ...(s.last?.checks ? { checks: s.last.checks } : {}),
    ...(s.last?.rowsWritten !== undefined
      ? { rowsWritten: s.last.rowsWritten, bytesWritten: s.last.bytesWritten }
      : {}),
  });
  const caseJson = (r: CaseReport): object => ({
    id: r.id,
    title: r.title,
    input: rel(r.input),
    inputBytes: r.inputBytes,
    engines: r.series.map(summarize),
    comparisons: r.comparisons.map((c) => ({ ...c, metric: 'prt throughput / reference throughput (wall)' })),
    agreement: r.agreement,
    notes: r.notes,
  });
  const json = {
    date: started.toISOString(),
    runs: RUNS,
    totalSeconds,
    machine: {
      cores: cpus().length,
      cpu,
      memoryGiB: totalmem() / 2 ** 30,
      freeMemoryGiBAtEnd: freemem() / 2 ** 30,
      node: process.version,
      loadAverageStart: load0,
      loadAverageEnd: load1,
    },
    code,
    pandas: pandas.python ? { python: pandas.python, version: pandas.version } : null,
    startupSeconds: startup,
    startupPeakRssMB: startupRss,
    data: { rows: data.rows, bytes: data.bytes, csv: rel(data.csvPath), generatorVersion: GENERATOR_VERSION },
    cases: reports.map(caseJson),
    memory: memory
      ? {
          small: caseJson(memory.small),
          large: caseJson(memory.big),
          largeLabel: memory.bigLabel,
          ratio: memory.ratio,
          target: `RSS(1 GB) <= ${memory.target} x RSS(10 MB)`,
        }
      : null,
    notes: [...notes, ...failures],
  };
  const outFile = resolve(ROOT, args.out);
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, await formatJson(JSON.stringify(json, null, 2)));
  // A failed engine is a broken run (not a slow one): say so in the exit code.
  if (failures.length > 0) process.exitCode = 1;
  console.log(`\nwrote ${rel(outFile)}`);
}

/** Formats like the repo's prettier config when prettier is installed, so `prettier --check` stays clean. */
async function formatJson(text: string): Promise<string> {
  try {
    const prettier = await import('prettier');
    const config = JSON.parse(readFileSync(join(ROOT, '.prettierrc.json'), 'utf8')) as object;
    return await prettier.format(text, { ...config, parser: 'json' });
  } catch {
    return `${text}\n`;
  }
}

await main();
