/**
 * One benchmark case for one engine, in a fresh process. run.ts starts this file as
 *   node --import tsx bench/case.ts '<json CaseSpec>'
 * and reads the last stdout line, `BENCH_RESULT {...}`: the work time measured in here (after the
 * imports), the process's peak RSS, and the numbers the engine computed (so run.ts can check that
 * the engines agree).
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { CHECK_RULES, RULES } from './generate-data';

export type CaseName =
  | 'warmup'
  | 'csv-check'
  | 'csv-to-parquet'
  | 'parquet-check'
  | 'validate'
  | 'parquet-to-csv'
  | 'generate-parquet';
export type NodeEngine = 'prt' | 'duckdb';

export interface CaseSpec {
  readonly case: CaseName;
  readonly engine: NodeEngine;
  readonly input?: string;
  readonly output?: string;
  /** Contract YAML (prt) and the rule set the reference engines evaluate. */
  readonly contract?: string;
  readonly rules?: 'checks' | 'contract';
  /** prt: lanes over ranges of the file (CSV byte ranges, Parquet row groups); DuckDB: `SET threads`. Default 1. */
  readonly workers?: number;
  /** generate-parquet: rows of the case e file. */
  readonly rows?: number;
}

export interface CaseResult {
  readonly workSeconds: number;
  readonly peakRssMB: number;
  /** User + system CPU of the whole process (start and imports included). */
  readonly cpuSeconds: number;
  readonly engineVersion?: string;
  readonly note?: string;
  readonly checks?: unknown;
  readonly rowsWritten?: number;
  readonly bytesWritten?: number;
}

/** Peak resident set of this process so far, in MB (10^6 bytes); maxRSS is in KiB. */
export function peakRssOf(usage: NodeJS.ResourceUsage = process.resourceUsage()): number {
  return (usage.maxRSS * 1024) / 1e6;
}

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`case spec has no ${what}`);
  return v;
}

type Work = () => Promise<Omit<CaseResult, 'workSeconds' | 'peakRssMB' | 'cpuSeconds'>>;

/** Imports and setup happen here, outside the timed work; the returned function is the work. */
async function preparePrt(spec: CaseSpec): Promise<Work> {
  const prt = await import('./prt-adapter');
  if (spec.case === 'warmup') return () => Promise.resolve({});
  const input = need(spec.input, 'input');
  if (spec.case === 'parquet-to-csv') {
    const out = need(spec.output, 'output');
    mkdirSync(dirname(out), { recursive: true });
    return async () => {
      const r = await prt.parquetToCsv(input, out);
      return { rowsWritten: r.rows, bytesWritten: statSync(out).size };
    };
  }
  if (spec.case === 'generate-parquet') throw new Error('generate-parquet is a DuckDB case');
  const contract = await prt.loadContract(need(spec.contract, 'contract'));
  const workers = spec.workers ?? 1;
  switch (spec.case) {
    case 'csv-check':
    case 'validate':
      if (workers > 1) {
        return async () => {
          const r = await prt.parallelCheck(input, contract, workers);
          return { checks: r.checks, note: r.note };
        };
      }
      return async () => ({ checks: await prt.parseAndCheckCsv(input, contract) });
    case 'parquet-check':
      if (workers > 1) {
        return async () => {
          const r = await prt.parallelCheck(input, contract, workers);
          return { checks: r.checks, note: r.note };
        };
      }
      return async () => ({
        checks: await prt.parquetReadAndCheck(input, contract),
        note: prt.PARQUET_READER,
      });
    case 'csv-to-parquet': {
      const out = need(spec.output, 'output');
      mkdirSync(dirname(out), { recursive: true });
      return async () => {
        const r = await prt.csvToParquet(input, out, contract);
        return { rowsWritten: r.rows, bytesWritten: statSync(out).size };
      };
    }
  }
}

async function prepareDuckDb(spec: CaseSpec): Promise<Work> {
  const duck = await import('./duckdb-engine');
  const { conn, version } = await duck.openDuckDb(spec.workers ?? 1);
  const base = { engineVersion: version };
  if (spec.case === 'warmup') return () => Promise.resolve(base);
  if (spec.case === 'generate-parquet') {
    const out = need(spec.output, 'output');
    mkdirSync(dirname(out), { recursive: true });
    return async () => ({
      ...base,
      rowsWritten: await duck.duckGenerateParquet(conn, out, spec.rows ?? 3e6),
    });
  }
  const rules = spec.rules === 'checks' ? CHECK_RULES : RULES;
  const input = need(spec.input, 'input');
  switch (spec.case) {
    case 'csv-check':
      return async () => ({ ...base, checks: await duck.duckCsvChecks(conn, input, rules) });
    case 'validate':
      return async () => ({ ...base, checks: await duck.duckValidate(conn, input, rules) });
    case 'parquet-check':
      return async () => ({ ...base, checks: await duck.duckParquetChecks(conn, input, rules) });
    case 'csv-to-parquet': {
      const out = need(spec.output, 'output');
      mkdirSync(dirname(out), { recursive: true });
      return async () => {
        const rowsWritten = await duck.duckCsvToParquet(conn, input, out);
        return { ...base, rowsWritten, bytesWritten: statSync(out).size };
      };
    }
    case 'parquet-to-csv': {
      const out = need(spec.output, 'output');
      mkdirSync(dirname(out), { recursive: true });
      return async () => {
        const rowsWritten = await duck.duckParquetToCsv(conn, input, out);
        return { ...base, rowsWritten, bytesWritten: statSync(out).size };
      };
    }
  }
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as CaseSpec;
  const work = spec.engine === 'prt' ? await preparePrt(spec) : await prepareDuckDb(spec);
  const t0 = performance.now();
  const result = await work();
  const workSeconds = (performance.now() - t0) / 1000;
  const usage = process.resourceUsage();
  const cpuSeconds = (usage.userCPUTime + usage.systemCPUTime) / 1e6;
  const out: CaseResult = { workSeconds, peakRssMB: peakRssOf(usage), cpuSeconds, ...result };
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(out)}\n`);
}

await main();
