/**
 * A function's time budget, watched where the work advances: every chunk a source streams and
 * every range it reads checks the time left. When what is left falls to the reserve (the time the
 * function keeps to stop cleanly and hand back a typed error), the read throws TimeBudgetExceeded
 * with how far the work got and what would make the object fit. Step Functions then records an
 * `error` with that reason rather than a bare `States.Timeout` after the function was killed.
 *
 * Reads are where a step advances: validation, conversion and its read-back proof all pull their
 * bytes through the store's sources, so a budgeted store bounds them all without a check in each
 * loop. Writes are not checked: a writer may wrap a sink's failure in a FormatError, which would
 * record a processing failure as a data failure.
 */
import { TimeBudgetExceeded } from '../errors';
import type { ByteSource } from '../formats/byte-io';
import type { ObjectStore } from './object-store';

export interface TimeBudgetOptions {
  /** Milliseconds left before the function is stopped (Lambda's context.getRemainingTimeInMillis). */
  readonly remainingMs: () => number;
  /**
   * Milliseconds kept to stop cleanly. Default: a tenth of the time left at the start, between 5
   * and 60 seconds (a Parquet row group or a report can take seconds between two reads).
   */
  readonly reserveMs?: number;
  readonly now?: () => number;
}

export interface TimeBudget {
  /** Whether the time left is down to the reserve. */
  exhausted(): boolean;
  /** Counts bytes read, for the message. */
  read(bytes: number): void;
  /** The error to stop with, naming the size of the source being read when known. */
  exceeded(sourceSize?: number): TimeBudgetExceeded;
}

const MIN_RESERVE_MS = 5_000;
const MAX_RESERVE_MS = 60_000;

export function timeBudget(options: TimeBudgetOptions): TimeBudget {
  const now = options.now ?? Date.now;
  const started = now();
  const total = options.remainingMs();
  const reserve =
    options.reserveMs ?? Math.min(MAX_RESERVE_MS, Math.max(MIN_RESERVE_MS, Math.round(total / 10)));
  let bytes = 0;
  return {
    read(n) {
      bytes += n;
    },
    exhausted: () => options.remainingMs() <= reserve,
    exceeded: (size) =>
      new TimeBudgetExceeded(budgetMessage(now() - started, options.remainingMs(), total, bytes, size)),
  };
}

/** What stopped, how far it got, and what would let the object fit in the function's time. */
export function budgetMessage(
  elapsedMs: number,
  leftMs: number,
  totalMs: number,
  bytes: number,
  size: number | undefined,
): string {
  const head = `stopped with ${seconds(leftMs)} of the function's ${seconds(totalMs)} left, before its timeout`;
  if (bytes === 0 || elapsedMs <= 0) return `${head}: no data was read yet`;
  const rate = bytes / (elapsedMs / 1000); // bytes per second
  let text = `${head}: read ${sizeText(bytes)}${size !== undefined ? ` (the object being read has ${sizeText(size)})` : ''} in ${seconds(elapsedMs)} (${sizeText(rate)}/s)`;
  if (size !== undefined && size > bytes)
    text += `; all of it needs ~${duration((size / rate) * 1000)} at this rate`;
  // What the function reads in its whole time at this rate (a conversion reads its output back
  // too, so this is an upper bound there).
  const fits = rate * (totalMs / 1000);
  return (
    `${text}. Store it uncompressed or as Parquet (faster to read), split it into objects of at ` +
    `most ~${sizeText(fits)}, or give the function more memory (more CPU)`
  );
}

function seconds(ms: number): string {
  return `${Math.max(0, Math.round(ms / 1000))} s`;
}

function duration(ms: number): string {
  const minutes = ms / 60_000;
  if (minutes < 1) return seconds(ms);
  if (minutes < 120) return `${Math.ceil(minutes)} min`;
  return `${(minutes / 60).toFixed(1)} h`;
}

function sizeText(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v >= 100 || u === 0 ? Math.round(v) : v.toFixed(1)} ${units[u]}`;
}

/**
 * The store with every source budgeted: each streamed chunk and each ranged read checks the time
 * left first. The source's size is asked for only when stopping (for the message), so a budget
 * adds no request to a test that finishes in time.
 */
export function budgetedStore(store: ObjectStore, budget: TimeBudget): ObjectStore {
  const wrap = (source: ByteSource): ByteSource => {
    const stop = async (): Promise<never> => {
      throw budget.exceeded(await source.size().catch(() => undefined));
    };
    return {
      name: source.name,
      size: () => source.size(),
      async *stream() {
        if (budget.exhausted()) await stop();
        for await (const chunk of source.stream()) {
          budget.read(chunk.byteLength);
          if (budget.exhausted()) await stop();
          yield chunk;
        }
      },
      async readRange(start, end) {
        if (budget.exhausted()) await stop();
        const bytes = await source.readRange(start, end);
        budget.read(bytes.byteLength);
        return bytes;
      },
    };
  };
  return {
    head: (...a) => store.head(...a),
    read: (...a) => store.read(...a),
    readRange: (...a) => store.readRange(...a),
    write: (...a) => store.write(...a),
    list: (...a) => store.list(...a),
    source: (bucket, key, versionId) => wrap(store.source(bucket, key, versionId)),
    sink: (...a) => store.sink(...a),
  };
}
