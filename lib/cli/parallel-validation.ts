/**
 * Validation of one local CSV or Parquet file on several cores: the file is split into ranges (a
 * CSV into byte ranges at record starts, planCsvRanges, each validated with the header
 * prepended; a Parquet file into runs of row groups, planParquetRanges), and the ranges' states
 * are merged in file order into the state one pass would build — as the parts of a partitioned
 * output are. The report is the one-pass report (mean and standard deviation up to
 * floating-point rounding, as merged moments are).
 *
 * Lanes: with n workers asked for, this thread is one lane and n − 1 worker threads are the
 * others. The file is planned into several ranges per lane, and a lane takes the next range when
 * it finishes one. This thread already has the code loaded and starts at once, while a thread
 * needs a few hundred milliseconds to load its bundle: with one range per lane the early lane
 * would wait for the late one, with a queue the late lane just takes fewer ranges.
 *
 * Row numbers: a range numbers its rows from 1. Examples in the merged state are renumbered by
 * the merge; failing rows are spooled per range to a file and renumbered here, once every range
 * has reported its row count, by the rows of the ranges before theirs.
 *
 * A contract with a uniqueness check goes through one pass: a key repeated in two ranges is
 * counted exactly by the merge, but neither range flags the row, so the failing rows would differ.
 * Anything a range throws (a malformed row, a row limit, a split the planner got wrong, which
 * makes the range before it end inside a quoted field) sends the whole file through the one-pass
 * path instead, so errors are reported exactly as that path reports them, with their line, row and
 * byte offset in the file. Anything but an uncompressed CSV or a Parquet file takes the one-pass
 * path directly.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import type { OutputContract } from '../../lambdas/core/contracts';
import {
  inspectSource,
  planCsvRanges,
  planParquetRanges,
  type ByteSink,
  type ParquetRange,
} from '../../lambdas/core/formats';
import { fileSource } from '../../lambdas/core/storage';
import {
  loadRuleReferences,
  runValidation,
  ValidationState,
  type ValidationReport,
  type ValidationRunDeps,
  readStoredTypes,
} from '../../lambdas/core/validation';
import { FailedRowLines } from '../../lambdas/core/ranged-validation';
import { validateRange, type RangeResult, type RangeTask } from './range-task';
import { workerStart } from './worker-bundle';

export interface ParallelValidationDeps extends ValidationRunDeps {
  /** Lanes at most: this thread and workers − 1 threads; 1 validates in one pass. */
  readonly workers: number;
  /** Smallest range worth a lane (default 1 MiB). */
  readonly minRangeBytes?: number;
  /**
   * Whether this thread validates ranges too (default true). False leaves every range to the other
   * lanes, so a test knows each of them ran.
   */
  readonly thisThreadValidates?: boolean;
}

export interface ParallelValidationRun {
  readonly report: ValidationReport;
  readonly detection: Awaited<ReturnType<typeof inspectSource>>;
  readonly format: string;
  readonly quarantinedRows: number;
  /** Ranges the file was validated in; 1 when it went through one pass. */
  readonly ranges: number;
  /** Lanes that validated them side by side (this thread and the worker threads); 1 for one pass. */
  readonly lanes: number;
  /** Ranges each lane validated, this thread's first (0 when it left them to the others). */
  readonly rangesByLane: readonly number[];
  /** Why the file went through one pass although more workers were asked for. */
  readonly onePassBecause?: string;
}

// By its place in the repository, not beside this module: the compiled CLI (dist/cli, two folders
// below the root as lib/cli is) carries no worker module, and this path reaches the source from both.
const WORKER_MODULE = new URL('../../lib/cli/validation-worker.ts', import.meta.url);
/**
 * Ranges planned per lane: more than one, so a lane starting late (a thread loading its bundle)
 * leaves part of its share to the others; few, because every range costs a reader, a state and a
 * merge. Measured on 1M rows (case a, work s, medians of 3): 1 per lane 1.69 s, 4 per lane 2.11 s;
 * case d: 1 per lane 2.08 s, 2 per lane 2.06 s.
 */
const RANGES_PER_LANE = 2;

export async function runParallelValidation(
  contract: OutputContract,
  path: string,
  deps: ParallelValidationDeps,
): Promise<ParallelValidationRun> {
  const source = fileSource(path);
  const onePass = async (because?: string): Promise<ParallelValidationRun> => {
    const run = await runValidation(contract, source, deps);
    return {
      report: run.report,
      detection: { ...run.opened.detection, size: await source.size() },
      format: run.opened.format,
      quarantinedRows: run.quarantinedRows,
      ranges: 1,
      lanes: 1,
      rangesByLane: [1],
      ...(because ? { onePassBecause: because } : {}),
    };
  };
  if (deps.workers <= 1) return onePass();
  const detection = await inspectSource(source);
  // The format openTable would settle on for runValidation (which passes the contract's as a hint).
  const format =
    detection.source === 'magic' || detection.format !== 'unknown' ? detection.format : contract.format;
  const parquet = format === 'parquet';
  if (!(parquet || (format === 'csv' && detection.compression === 'none')) || detection.size === 0)
    return onePass('not an uncompressed CSV or a Parquet file');

  // A key seen in two ranges is a duplicate that neither range flags on its row: the counts merge
  // exactly, but the failing rows would not be one pass's.
  if (new ValidationState(contract).checks.some((c) => c.keys))
    return onePass('uniqueness is checked across the whole file');

  // Parquet: runs of row groups from the footer (read first: it says how many lanes can be busy).
  let rowGroupRanges: ParquetRange[] | undefined;
  if (parquet) {
    try {
      rowGroupRanges = await planParquetRanges(source, deps.workers * RANGES_PER_LANE);
    } catch {
      // An unreadable footer is reported by one pass, with its location.
      return onePass('the footer could not be read');
    }
  }
  // Threads start now: loading them overlaps the planning and the reference loading below.
  // No more lanes than ranges the file can hold (planCsvRanges makes none smaller than this).
  const minRange = deps.minRangeBytes ?? 1024 * 1024;
  const lanes = Math.max(
    1,
    Math.min(deps.workers, rowGroupRanges ? rowGroupRanges.length : Math.floor(detection.size / minRange)),
  );
  if (lanes < 2) return onePass(parquet ? 'the file has one row group' : 'the file is too small to split');
  const threads = await startLanes(lanes - 1);
  let spoolDir: string | undefined;
  try {
    const references = await loadRuleReferences(contract, deps);
    const limits = deps.readerLimits ?? {};
    const spool = (i: number): { failedRowsFile?: string } =>
      spoolDir ? { failedRowsFile: join(spoolDir, `range-${i}.jsonl`) } : {};
    const common = { contract, path, readerLimits: limits, referenceSets: references.referenceSets };
    let tasks: RangeTask[];
    if (rowGroupRanges) {
      spoolDir = deps.quarantineSink ? await mkdtemp(join(tmpdir(), 'prt-validate-')) : undefined;
      tasks = rowGroupRanges.map((r, i) => ({
        ...common,
        kind: 'parquet',
        rowGroups: { start: r.start, end: r.end },
        ...spool(i),
      }));
    } else {
      const plan = await planCsvRanges(source, lanes * RANGES_PER_LANE, {
        delimiter: contract.csv.delimiter,
        header: contract.csv.header,
        ...(contract.csv.quote !== undefined ? { quote: contract.csv.quote } : {}),
        ...(contract.csv.escape !== undefined ? { escape: contract.csv.escape } : {}),
        ...(contract.csv.lenientQuotes ? { lenientQuotes: true } : {}),
        ...(contract.csv.header ? {} : { columns: contract.schema.map((c) => c.name) }),
        ...(limits.maxRowBytes !== undefined ? { maxRowBytes: limits.maxRowBytes } : {}),
        minRangeBytes: minRange,
      });
      if (plan.ranges.length < 2) {
        threads.stop();
        return await onePass('the file was not split (too small, or no split point settled)');
      }
      spoolDir = deps.quarantineSink ? await mkdtemp(join(tmpdir(), 'prt-validate-')) : undefined;
      tasks = plan.ranges.map((r, i) => ({
        ...common,
        kind: 'csv',
        headerEnd: plan.headerEnd,
        start: r.start,
        end: r.end,
        ...spool(i),
      }));
    }
    const { results, rangesByLane } = await threads.run(tasks, deps.thisThreadValidates ?? true);
    const failed = results.find((r) => !r.ok);
    if (failed && !failed.ok) return await onePass(`a range failed (${failed.error})`);
    const done = results.filter((r): r is Extract<RangeResult, { ok: true }> => r.ok);

    const options = {
      referenceSets: references.referenceSets,
      referenceSamples: references.referenceSamples,
      ...(deps.now ? { now: deps.now } : {}),
    };
    const state = ValidationState.fromJSON(contract, done[0]!.state, options);
    for (const r of done.slice(1)) state.merge(ValidationState.fromJSON(contract, r.state, options));

    let quarantinedRows = 0;
    if (deps.quarantineSink && done.some((r) => r.failedRows > 0)) {
      const sink = deps.quarantineSink();
      try {
        let offset = 0;
        for (let i = 0; i < done.length; i++) {
          if (done[i]!.failedRows > 0)
            quarantinedRows += await replay(tasks[i]!.failedRowsFile!, offset, sink);
          offset += done[i]!.state.rowCount;
        }
        await sink.close();
      } catch (error) {
        await sink.abort().catch(() => undefined);
        throw error;
      }
    }
    // A typed file is graded by the types it declares as well as by its values, as in one pass.
    const stored = await readStoredTypes(
      source,
      format,
      [...contract.schema, ...(deps.consumerColumns ?? [])],
      deps.readerLimits,
    );
    return {
      report: state.finish(stored),
      detection,
      format,
      quarantinedRows,
      ranges: tasks.length,
      lanes,
      rangesByLane,
    };
  } finally {
    threads.stop();
    if (spoolDir) await rm(spoolDir, { recursive: true, force: true });
  }
}

interface Threads {
  /**
   * Runs every task, each on the first lane free (this thread or a worker thread), and gives the
   * results in task order. The first failure stops the lanes: the caller falls back to one pass.
   */
  run(
    tasks: readonly RangeTask[],
    thisThreadValidates: boolean,
  ): Promise<{ results: RangeResult[]; rangesByLane: number[] }>;
  stop(): void;
}

async function startLanes(count: number): Promise<Threads> {
  const start = await workerStart(WORKER_MODULE);
  const workers = Array.from({ length: count }, () => new Worker(start.file, { workerData: start.data }));
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    for (const w of workers) void w.terminate();
  };
  const onThread = (worker: Worker, task: RangeTask): Promise<RangeResult> =>
    new Promise<RangeResult>((resolve) => {
      const settle = (result: RangeResult): void => {
        worker.off('message', settle);
        worker.off('error', onError);
        worker.off('exit', onExit);
        resolve(result);
      };
      const onError = (error: Error): void => settle({ ok: false, error: error.message });
      const onExit = (code: number): void =>
        settle({ ok: false, error: `worker exited (${code}) without a result` });
      worker.on('message', settle);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage(task);
    });
  return {
    async run(tasks, thisThreadValidates) {
      const results = new Array<RangeResult>(tasks.length);
      const rangesByLane = new Array<number>(workers.length + 1).fill(0);
      let next = 0;
      let failed = false;
      // A lane takes tasks until none is left or one has failed.
      const lane = async (
        index: number,
        runOne: (task: RangeTask) => Promise<RangeResult>,
      ): Promise<void> => {
        while (!failed && !stopped && next < tasks.length) {
          const i = next++;
          const result = await runOne(tasks[i]!);
          results[i] = result;
          rangesByLane[index]!++;
          if (!result.ok) {
            failed = true;
            stop();
          }
        }
      };
      await Promise.all([
        ...(thisThreadValidates ? [lane(0, validateRange)] : []),
        ...workers.map((w, i) => lane(i + 1, (task) => onThread(w, task))),
      ]);
      // Tasks no lane reached (after a failure) count as failed, so the caller never merges a gap.
      for (let i = 0; i < tasks.length; i++)
        results[i] ??= { ok: false, error: 'not validated: another range failed' };
      return { results, rangesByLane };
    },
    stop,
  };
}

/**
 * Copies a range's spooled failing rows to the sink, each renumbered by `offset` (the rows of the
 * ranges before). A line is `{"row":N,...}` as JSON.stringify wrote it, so only its number changes.
 */
async function replay(file: string, offset: number, sink: ByteSink): Promise<number> {
  const input = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  const lines = new FailedRowLines((block) => sink.write(block));
  for await (const line of input) {
    const m = /^\{"row":(\d+),/.exec(line);
    if (!m) throw new Error(`unexpected line in ${file}: ${line.slice(0, 40)}`);
    await lines.addLine(`{"row":${Number(m[1]) + offset},${line.slice(m[0].length)}\n`);
  }
  await lines.flush();
  return lines.count;
}
