/**
 * Validation of one local CSV file on several cores: the file is split into byte ranges at record
 * starts (planCsvRanges), each range is validated by a worker thread with the header prepended,
 * and the ranges' states are merged in file order into the state one pass would build — as the
 * parts of a partitioned output are. The report is the one-pass report (mean and standard
 * deviation up to floating-point rounding, as merged moments are).
 *
 * Row numbers: a worker numbers its rows from 1. Examples in the merged state are renumbered by
 * the merge; failing rows are spooled by each worker to a file and renumbered here, after every
 * worker has reported its row count, by the rows of the ranges before theirs.
 *
 * A contract with a uniqueness check goes through one pass: a key repeated in two ranges is
 * counted exactly by the merge, but neither range flags the row, so the failing rows would differ.
 * Anything a worker throws (a malformed row, a row limit, a split the planner got wrong, which
 * makes the range before it end inside a quoted field) sends the whole file through the one-pass
 * path instead, so errors are reported exactly as that path reports them, with their line, row and
 * byte offset in the file. Anything but an uncompressed CSV takes the one-pass path directly.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import type { OutputContract } from '../../lambdas/core/contracts';
import { inspectSource, planCsvRanges, type ByteSink } from '../../lambdas/core/formats';
import { fileSource } from '../../lambdas/core/storage';
import {
  loadRuleReferences,
  runValidation,
  ValidationState,
  type ValidationReport,
  type ValidationRunDeps,
} from '../../lambdas/core/validation';
import type { RangeResult, RangeTask } from './validation-worker';
import { workerStart } from './worker-bundle';

export interface ParallelValidationDeps extends ValidationRunDeps {
  /** Worker threads (ranges) at most; 1 validates in this thread. */
  readonly workers: number;
  /** Smallest range worth a thread (default 1 MiB). */
  readonly minRangeBytes?: number;
}

export interface ParallelValidationRun {
  readonly report: ValidationReport;
  readonly detection: Awaited<ReturnType<typeof inspectSource>>;
  readonly format: string;
  readonly quarantinedRows: number;
  /** Ranges validated side by side; 1 when the file went through one pass. */
  readonly ranges: number;
  /** Why the file went through one pass although more workers were asked for. */
  readonly onePassBecause?: string;
}

// By its place in the repository, not beside this module: the compiled CLI (dist/cli, two folders
// below the root as lib/cli is) carries no worker module, and this path reaches the source from both.
const WORKER_MODULE = new URL('../../lib/cli/validation-worker.ts', import.meta.url);
const FLUSH_AT = 1 << 20;

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
      ...(because ? { onePassBecause: because } : {}),
    };
  };
  if (deps.workers <= 1) return onePass();
  const detection = await inspectSource(source);
  // The format openTable would settle on for runValidation (which passes the contract's as a hint).
  const format =
    detection.source === 'magic' || detection.format !== 'unknown' ? detection.format : contract.format;
  if (format !== 'csv' || detection.compression !== 'none' || detection.size === 0)
    return onePass('not an uncompressed CSV');

  // A key seen in two ranges is a duplicate that neither range flags on its row: the counts merge
  // exactly, but the failing rows would not be one pass's.
  if (new ValidationState(contract).checks.some((c) => c.keys))
    return onePass('uniqueness is checked across the whole file');

  // Threads start now: loading them overlaps the planning and the reference loading below.
  // No more threads than ranges the file can hold (planCsvRanges makes none smaller than this).
  const minRange = deps.minRangeBytes ?? 1024 * 1024;
  const threadCount = Math.max(1, Math.min(deps.workers, Math.floor(detection.size / minRange)));
  if (threadCount < 2) return onePass('the file is too small to split');
  const threads = await startThreads(threadCount);
  let spoolDir: string | undefined;
  try {
    const references = await loadRuleReferences(contract, deps);
    const limits = deps.readerLimits ?? {};
    const plan = await planCsvRanges(source, threadCount, {
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
    const tasks: RangeTask[] = plan.ranges.map((r, i) => ({
      contract,
      path,
      headerEnd: plan.headerEnd,
      start: r.start,
      end: r.end,
      readerLimits: limits,
      referenceSets: references.referenceSets,
      ...(spoolDir ? { failedRowsFile: join(spoolDir, `range-${i}.jsonl`) } : {}),
    }));
    const results = await threads.run(tasks);
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
    return {
      report: state.finish(),
      detection,
      format,
      quarantinedRows,
      ranges: plan.ranges.length,
    };
  } finally {
    threads.stop();
    if (spoolDir) await rm(spoolDir, { recursive: true, force: true });
  }
}

interface Threads {
  /** Runs task i on thread i; threads beyond the tasks are stopped. The first failure stops the rest. */
  run(tasks: readonly RangeTask[]): Promise<RangeResult[]>;
  stop(): void;
}

async function startThreads(count: number): Promise<Threads> {
  const start = await workerStart(WORKER_MODULE);
  const workers = Array.from({ length: count }, () => new Worker(start.file, { workerData: start.data }));
  const stop = (): void => {
    for (const w of workers) void w.terminate();
  };
  const runOne = (worker: Worker, task: RangeTask): Promise<RangeResult> =>
    new Promise<RangeResult>((resolve) => {
      let settled = false;
      const settle = (result: RangeResult): void => {
        if (settled) return;
        settled = true;
        if (!result.ok) stop();
        resolve(result);
      };
      worker.once('message', (result: RangeResult) => settle(result));
      worker.once('error', (error) => settle({ ok: false, error: error.message }));
      worker.once('exit', (code) => settle({ ok: false, error: `worker exited (${code}) without a result` }));
      worker.postMessage(task);
    });
  return {
    run(tasks) {
      for (const w of workers.slice(tasks.length)) void w.terminate();
      return Promise.all(tasks.map((task, i) => runOne(workers[i]!, task)));
    },
    stop,
  };
}

/**
 * Copies a range's spooled failing rows to the sink, each renumbered by `offset` (the rows of the
 * ranges before). A line is `{"row":N,...}` as JSON.stringify wrote it, so only its number changes.
 */
async function replay(file: string, offset: number, sink: ByteSink): Promise<number> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let pending: string[] = [];
  let size = 0;
  let count = 0;
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    size = 0;
    await sink.write(Buffer.from(text, 'utf8'));
  };
  for await (const line of lines) {
    const m = /^\{"row":(\d+),/.exec(line);
    if (!m) throw new Error(`unexpected line in ${file}: ${line.slice(0, 40)}`);
    const renumbered = `{"row":${Number(m[1]) + offset},${line.slice(m[0].length)}\n`;
    pending.push(renumbered);
    size += renumbered.length;
    count++;
    if (size >= FLUSH_AT) await flush();
  }
  await flush();
  return count;
}
