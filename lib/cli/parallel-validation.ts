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
import { performance } from 'node:perf_hooks';
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
import { workerStart, type WorkerStart } from './worker-bundle';

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
  /**
   * When each lane started and finished each range, in ms since the run began (the worker threads'
   * clocks are brought to this thread's through performance.timeOrigin), and when each worker
   * thread had loaded its code: what the bench prints to show where two lanes lose time.
   */
  readonly timeline?: LaneTimeline;
}

export interface LaneTimeline {
  /** Per worker thread: ms from the run's start to its first message (its code loaded). */
  readonly workerReadyMs: readonly number[];
  /** Per range, in file order: its lane (0 is this thread), start and end in ms, rows. */
  readonly ranges: readonly { lane: number; startMs: number; endMs: number; rows: number }[];
  /** Ms at which the merged report was ready. */
  readonly doneMs: number;
}

// By its place in the repository, not beside this module: the compiled CLI (dist/cli, two folders
// below the root as lib/cli is) carries no worker module, and this path reaches the source from both.
const WORKER_MODULE = new URL('../../lib/cli/validation-worker.ts', import.meta.url);
/**
 * Pieces planned per lane, from which ranges are made by shrinking sizes (guidedRanges): 3 pieces
 * per lane give 2 ranges per lane, the first ones two pieces long, the last ones one. More than one
 * range per lane, so a lane starting late (a thread loading its bundle) leaves part of its share to
 * the others; few, because every range costs a reader, a state and a merge (measured on 1M rows,
 * case a, work s, medians of 3: 1 range per lane 1.69 s, 4 per lane 2.11 s); the last ones small,
 * so the lane that takes the last range ends soon after the others.
 */
const PIECES_PER_LANE = 3;

/**
 * Groups `pieces` consecutive pieces into ranges of shrinking size (guided self-scheduling): each
 * range takes ⌈left / (lanes + 1)⌉ of the pieces left. Lanes take ranges in order as they come free,
 * so large ranges come first and the small ones last. Returns each range's [first, end) pieces.
 */
export function guidedRanges(pieces: number, lanes: number): { first: number; end: number }[] {
  const ranges: { first: number; end: number }[] = [];
  for (let first = 0; first < pieces;) {
    const end = first + Math.ceil((pieces - first) / (lanes + 1));
    ranges.push({ first, end });
    first = end;
  }
  return ranges;
}

export async function runParallelValidation(
  contract: OutputContract,
  path: string,
  deps: ParallelValidationDeps,
): Promise<ParallelValidationRun> {
  const t0 = now();
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

  // The threads' bundle is found (or built) while the footer is read. The threads start before the
  // ranges are planned and while this thread validates its first range, which needs none of them.
  const minRange = deps.minRangeBytes ?? 1024 * 1024;
  const csvLanes = Math.max(1, Math.min(deps.workers, Math.floor(detection.size / minRange)));
  if (!parquet && csvLanes < 2) return onePass('the file is too small to split');
  const bundle = workerStart(WORKER_MODULE);
  // Parquet: runs of row groups from the footer (read first: it says how many lanes can be busy).
  let rowGroupPieces: ParquetRange[] | undefined;
  if (parquet) {
    try {
      rowGroupPieces = await planParquetRanges(source, deps.workers * PIECES_PER_LANE);
    } catch {
      // An unreadable footer is reported by one pass, with its location.
      return onePass('the footer could not be read');
    }
  }
  // No more lanes than pieces the file can hold (planCsvRanges makes none smaller than minRange).
  const lanes = rowGroupPieces ? Math.min(deps.workers, rowGroupPieces.length) : csvLanes;
  if (lanes < 2) return onePass('the file has one row group');
  const threads = startLanes(bundle, lanes - 1, t0);
  let spoolDir: string | undefined;
  try {
    const references = await loadRuleReferences(contract, deps);
    const limits = deps.readerLimits ?? {};
    const spool = (i: number): { failedRowsFile?: string } =>
      spoolDir ? { failedRowsFile: join(spoolDir, `range-${i}.jsonl`) } : {};
    const common = { contract, path, readerLimits: limits, referenceSets: references.referenceSets };
    let tasks: RangeTask[];
    if (rowGroupPieces) {
      const pieces = rowGroupPieces;
      spoolDir = deps.quarantineSink ? await mkdtemp(join(tmpdir(), 'prt-validate-')) : undefined;
      tasks = guidedRanges(pieces.length, lanes).map((g, i) => ({
        ...common,
        kind: 'parquet',
        rowGroups: { start: pieces[g.first]!.start, end: pieces[g.end - 1]!.end },
        ...spool(i),
      }));
    } else {
      const plan = await planCsvRanges(source, lanes * PIECES_PER_LANE, {
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
      // Consecutive pieces make one range: a piece ends where the next starts, at a record start.
      tasks = guidedRanges(plan.ranges.length, lanes).map((g, i) => ({
        ...common,
        kind: 'csv',
        headerEnd: plan.headerEnd,
        start: plan.ranges[g.first]!.start,
        end: plan.ranges[g.end - 1]!.end,
        ...spool(i),
      }));
    }
    const { results, rangesByLane, timeline } = await threads.run(tasks, deps.thisThreadValidates ?? true);
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
      timeline: { ...timeline, doneMs: now() - t0 },
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
  ): Promise<{
    results: RangeResult[];
    rangesByLane: number[];
    timeline: Omit<LaneTimeline, 'doneMs'>;
  }>;
  stop(): void;
}

/**
 * Starts `count` worker threads once their bundle is known, without waiting for it: this thread
 * validates meanwhile. A thread takes its first range when its code is loaded (its first message).
 */
function startLanes(bundle: Promise<WorkerStart>, count: number, t0: number): Threads {
  const workers: Worker[] = [];
  const workerReadyMs = new Array<number>(count).fill(-1);
  let stopped = false;
  const created = bundle.then((start) => {
    if (stopped) return;
    for (let i = 0; i < count; i++) workers.push(new Worker(start.file, { workerData: start.data }));
  });
  // Whether each thread loaded its code (false: it failed to start, or the lanes were stopped).
  const ready = Array.from({ length: count }, (_, i) =>
    created.then(
      () =>
        new Promise<boolean>((resolve) => {
          const w = workers[i];
          if (!w) return resolve(false);
          const onMessage = (): void => {
            workerReadyMs[i] = now() - t0;
            done(true);
          };
          const onFail = (): void => done(false);
          const done = (ok: boolean): void => {
            w.off('message', onMessage);
            w.off('error', onFail);
            w.off('exit', onFail);
            resolve(ok);
          };
          w.once('message', onMessage);
          w.once('error', onFail);
          w.once('exit', onFail);
        }),
      () => false,
    ),
  );
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
      const rangesByLane = new Array<number>(count + 1).fill(0);
      const times = new Array<LaneTimeline['ranges'][number]>(tasks.length);
      let next = 0;
      let failed = false;
      let allTaken = (): void => undefined;
      const noneLeft = new Promise<true>((resolve) => (allTaken = () => resolve(true)));
      // A lane takes tasks until none is left or one has failed.
      const lane = async (
        index: number,
        runOne: (task: RangeTask) => Promise<RangeResult>,
      ): Promise<void> => {
        while (!failed && !stopped && next < tasks.length) {
          const i = next++;
          if (next === tasks.length) allTaken();
          const startMs = now() - t0;
          const result = await runOne(tasks[i]!);
          const rows = result.ok ? result.state.rowCount : 0;
          times[i] = { lane: index, startMs, endMs: now() - t0, rows };
          results[i] = result;
          rangesByLane[index]!++;
          if (!result.ok) {
            failed = true;
            stop();
          }
        }
      };
      // A thread's lane waits for its code to load, or for every range to be taken by the others.
      const threadLane = async (i: number): Promise<void> => {
        const loaded = await Promise.race([ready[i]!, noneLeft.then(() => undefined)]);
        if (loaded === undefined) return;
        if (!loaded) {
          failed = true;
          stop();
          return;
        }
        await lane(i + 1, (task) => onThread(workers[i]!, task));
      };
      await Promise.all([
        ...(thisThreadValidates ? [lane(0, validateRange)] : []),
        ...Array.from({ length: count }, (_, i) => threadLane(i)),
      ]);
      // Tasks no lane reached (after a failure) count as failed, so the caller never merges a gap.
      for (let i = 0; i < tasks.length; i++)
        results[i] ??= { ok: false, error: 'not validated: another range failed' };
      return { results, rangesByLane, timeline: { workerReadyMs, ranges: times } };
    },
    stop,
  };
}

/** Ms on a clock every thread of the process shares (a thread's performance.now starts with it). */
function now(): number {
  return performance.timeOrigin + performance.now();
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
