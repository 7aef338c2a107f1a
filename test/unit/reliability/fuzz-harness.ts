/**
 * The fuzzing suites' shared machinery. A reader under fuzz must, for every input, either read to
 * completion or reject with a typed PrtError that has a message; anything else (a TypeError, a raw
 * library error, a case that does not finish) fails the property, and fast-check reports the shrunk
 * counterexample with the seed that reproduces it. Inputs are random bytes and near-valid files:
 * valid files written by the production writers, then mutated (bit flips, truncation, inserted and
 * deleted bytes, splices, duplicated regions, overwritten lengths).
 *
 * A hang has two shapes. One waits on something that never comes: the per-case time bound catches
 * it. The other never yields to the event loop (a synchronous loop, or a loop of microtasks, which
 * starve timers): no timer in the test can fire, so a watchdog thread watches the case's start time
 * and, past a hard limit, writes the case to stderr and kills the test worker, so the run fails
 * instead of running into the CI timeout.
 */
import { Worker } from 'node:worker_threads';

import fc from 'fast-check';

import { PrtError } from '../../../lambdas/core/errors';
import { markdownTable } from '../../fixtures/reliability-report';

/** Seed of every fuzzing run; PRT_FUZZ_SEED replays another one (a failure report prints its seed). */
export const FUZZ_SEED = Number(process.env.PRT_FUZZ_SEED ?? 20_260_508);
/** Cases per reader; PRT_FUZZ_RUNS raises it for a longer run (never below the 10,000 of the suite). */
export const CASES_PER_READER = Math.max(10_000, Number(process.env.PRT_FUZZ_RUNS ?? 0) || 0);
/** A case that takes longer than this fails (a slow input is a denial of service in waiting). */
export const CASE_TIME_LIMIT_MS = 5_000;
/** Past this the event loop is taken to be blocked for good, and the watchdog ends the worker. */
const HARD_TIME_LIMIT_MS = 30_000;
/** vitest timeout of one fuzzing test: generous, since the per-case bounds catch hangs. */
export const FUZZ_TEST_TIMEOUT_MS = 600_000;

/** Where a case's input came from. */
export type InputFamily = 'random bytes' | 'mutated valid file' | 'generated near-valid';

export interface FuzzCase {
  readonly family: InputFamily;
}

export interface FuzzTally {
  readonly reader: string;
  readonly seed: number;
  cases: number;
  ok: number;
  readonly typed: Map<string, number>;
  /** Cases of each input family, and how many of them read OK. */
  readonly families: Map<InputFamily, { cases: number; ok: number }>;
  unhandled: number;
  slowestMs: number;
  wallMs: number;
}

function newTally(reader: string, seed: number): FuzzTally {
  return {
    reader,
    seed,
    cases: 0,
    ok: 0,
    typed: new Map(),
    families: new Map(),
    unhandled: 0,
    slowestMs: 0,
    wallMs: 0,
  };
}

// ---- watchdog ----

const WATCHDOG_SOURCE = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const { state, started, payload, limitMs, reader, seed } = workerData;
const sleeper = new Int32Array(new SharedArrayBuffer(4));
for (;;) {
  Atomics.wait(sleeper, 0, 0, 250);
  if (Atomics.load(state, 0) === 0) continue;
  const ms = Date.now() - started[0];
  if (ms < limitMs) continue;
  const length = Atomics.load(state, 2);
  const input = Buffer.from(payload.subarray(0, Math.min(length, payload.length))).toString('base64');
  writeSync(2, '\\nfuzzing ' + reader + ' (seed ' + seed + '): case ' + Atomics.load(state, 1) + ' has blocked the event loop for ' + ms +
    ' ms (a hang). Input' + (length > payload.length ? ' (first ' + payload.length + ' bytes)' : '') +
    ', base64: ' + input + '\\n');
  process.kill(process.pid, 'SIGKILL');
}
`;

class Watchdog {
  private readonly state = new Int32Array(new SharedArrayBuffer(12));
  private readonly started = new Float64Array(new SharedArrayBuffer(8));
  private readonly payload = new Uint8Array(new SharedArrayBuffer(256 * 1024));
  private readonly worker: Worker;

  constructor(reader: string) {
    this.worker = new Worker(WATCHDOG_SOURCE, {
      eval: true,
      workerData: {
        state: this.state,
        started: this.started,
        payload: this.payload,
        limitMs: HARD_TIME_LIMIT_MS,
        reader,
        seed: FUZZ_SEED,
      },
    });
    this.worker.unref();
  }

  arm(caseNumber: number, input: Uint8Array): void {
    this.payload.set(input.subarray(0, this.payload.byteLength));
    Atomics.store(this.state, 2, input.byteLength);
    Atomics.store(this.state, 1, caseNumber);
    this.started[0] = Date.now();
    Atomics.store(this.state, 0, 1);
  }

  disarm(): void {
    Atomics.store(this.state, 0, 0);
  }

  stop(): Promise<number> {
    return this.worker.terminate();
  }
}

// ---- running a property ----

/** What a case did, or why it failed the property. */
type Outcome = { readonly ok: true } | { readonly ok: false; readonly errorClass: string };

/** Thrown inside the property for an unhandled outcome; fast-check reports it with the counterexample. */
class UnhandledOutcome extends Error {}

function describeThrown(thrown: unknown): string {
  if (thrown instanceof Error) {
    const stack = (thrown.stack ?? '').split('\n').slice(1, 6).join('\n');
    return `${thrown.constructor.name} (name '${thrown.name}'): ${thrown.message}\n${stack}`;
  }
  return `a thrown ${typeof thrown}: ${String(thrown)}`;
}

async function timeBound<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new UnhandledOutcome(`the case did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

export interface FuzzOptions<T extends FuzzCase> {
  /** The reader's name in the figures. */
  readonly reader: string;
  readonly arbitrary: fc.Arbitrary<T>;
  /** Reads the case's input to the end (every batch), or rejects. */
  readonly run: (input: T) => Promise<unknown>;
  /** The input's bytes, for the watchdog's report. */
  readonly bytesOf: (input: T) => Uint8Array;
  /** Shown with the counterexample: the input as the reader saw it (after mutations). */
  readonly show: (input: T) => string;
}

/**
 * Runs the property for CASES_PER_READER cases and returns the tally. Throws fast-check's report
 * (seed, shrunk counterexample, the thrown error) when any case ends other than OK or typed.
 */
export async function fuzz<T extends FuzzCase>(options: FuzzOptions<T>): Promise<FuzzTally> {
  const tally = newTally(options.reader, FUZZ_SEED);
  const watchdog = new Watchdog(options.reader);
  const began = performance.now();
  try {
    await fc.assert(
      fc.asyncProperty(options.arbitrary, async (input) => {
        watchdog.arm(tally.cases, options.bytesOf(input));
        const start = performance.now();
        let outcome: Outcome;
        try {
          await timeBound(options.run(input), CASE_TIME_LIMIT_MS);
          outcome = { ok: true };
        } catch (thrown) {
          if (thrown instanceof UnhandledOutcome)
            throw new UnhandledOutcome(`${thrown.message}\ninput: ${options.show(input)}`);
          if (!(thrown instanceof PrtError) || thrown.message.trim() === '') {
            // Counted, though a failed run records no figures: fast-check shrinks and reports it.
            tally.unhandled++;
            throw new UnhandledOutcome(`unhandled: ${describeThrown(thrown)}\ninput: ${options.show(input)}`);
          }
          outcome = { ok: false, errorClass: thrown.name };
        } finally {
          watchdog.disarm();
        }
        const ms = performance.now() - start;
        if (ms > CASE_TIME_LIMIT_MS) {
          throw new UnhandledOutcome(
            `the case took ${Math.round(ms)} ms (limit ${CASE_TIME_LIMIT_MS})\ninput: ${options.show(input)}`,
          );
        }
        tally.cases++;
        tally.slowestMs = Math.max(tally.slowestMs, ms);
        const family = tally.families.get(input.family) ?? { cases: 0, ok: 0 };
        tally.families.set(input.family, family);
        family.cases++;
        if (outcome.ok) family.ok++;
        if (outcome.ok) tally.ok++;
        else tally.typed.set(outcome.errorClass, (tally.typed.get(outcome.errorClass) ?? 0) + 1);
      }),
      { seed: FUZZ_SEED, numRuns: CASES_PER_READER, endOnFailure: false },
    );
  } finally {
    tally.wallMs = performance.now() - began;
    await watchdog.stop();
  }
  return tally;
}

// ---- figures ----

const count = (n: number): string => n.toLocaleString('en-US');

/** The figures' table: one row per reader. */
export function tallyTable(tallies: readonly FuzzTally[]): string {
  return markdownTable(
    [
      'Reader',
      'Cases',
      'Inputs',
      'Read OK',
      'Typed errors',
      'Unhandled',
      'Slowest case',
      'Seed',
      'Wall time',
    ],
    tallies.map((t) => [
      t.reader,
      count(t.cases),
      [...t.families]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([family, n]) => `${family} ${count(n.cases)} (${count(n.ok)} OK)`)
        .join(' · '),
      count(t.ok),
      [...t.typed].map(([name, n]) => `${name} ${count(n)}`).join(' · ') || '0',
      count(t.unhandled),
      `${t.slowestMs.toFixed(1)} ms`,
      t.seed,
      `${(t.wallMs / 1000).toFixed(1)} s`,
    ]),
  );
}

/** The sentence every fuzzing section starts with. */
export function fuzzPreamble(what: string): string {
  return (
    `${what} fast-check, seed ${FUZZ_SEED}, ${count(CASES_PER_READER)} cases per reader. ` +
    `A case passes when it reads to the end or rejects with a typed error (a PrtError with a message); ` +
    `any other exception, or a case slower than ${CASE_TIME_LIMIT_MS / 1000} s, fails the suite.`
  );
}

/** A short printable form of bytes for counterexamples: base64, cut after 4 KiB. */
export function showBytes(bytes: Uint8Array): string {
  const cut = bytes.subarray(0, 4096);
  return `${bytes.byteLength} bytes, base64 ${Buffer.from(cut).toString('base64')}${cut.byteLength < bytes.byteLength ? '…' : ''}`;
}
