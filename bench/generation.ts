/**
 * Synthetic data generation benchmark: rows per second for a realistic 6-column schema (id,
 * customer id, amount, timestamp, email, category) written to CSV and to Parquet, by prt's
 * generator and by faker called per value (the usual approach) into the same writers, measured in
 * the same run. Each measurement runs in a fresh child process, engines interleaved run by run, so
 * machine noise spreads over all of them; medians and ratios are printed.
 *
 *   node --import tsx bench/generation.ts                 # 1M rows, 3 runs
 *   node --import tsx bench/generation.ts --rows 200000 --runs 5
 *   node --import tsx bench/generation.ts --json /tmp/generation.json
 *
 * Target (issue 4): at least 1,000,000 rows/s to CSV. Benchmarks are not tests: nothing fails on a
 * number.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const CONTRACT = `pipeline: bench
step: generation
output: orders
path: bench/orders/
schema:
  - { name: id, type: int64, nullable: false, unique: true }
  - { name: customer_id, type: int64, nullable: false, range: [1, 100000] }
  - { name: amount, type: 'decimal(10,2)', nullable: false, range: ['1.00', '5000.00'], generate: { distribution: lognormal, mu: 4, sigma: 0.8 } }
  - { name: ordered_at, type: timestamp, unit: us, nullable: false, range: ['2024-01-01T00:00:00Z', '2024-12-31T23:59:59Z'] }
  - { name: email, type: string, nullable: false, generate: { kind: email } }
  - { name: category, type: string, nullable: false, allowed: [books, games, garden, food, toys], generate: { weights: [5, 3, 1, 8, 2] } }
`;

type Engine = 'prt' | 'faker';
type Format = 'csv' | 'parquet';

interface Measurement {
  readonly ms: number;
  /** CPU time (user + system) of the measurement: robust to other load on a shared machine. */
  readonly cpuMs: number;
  readonly bytes: number;
}

/** One measurement, in this (child) process: generate `rows` rows and write them to `path`. */
async function measure(engine: Engine, format: Format, rows: number, path: string): Promise<Measurement> {
  // Modules load before the clock starts: the benchmark times generation and writing only.
  const { parseContract } = await import('../lambdas/core/contracts/parse-contract');
  const { fileSink } = await import('../lambdas/core/storage/file-byte-io');
  const { planTable } = await import('../lambdas/core/generation/table-plan');
  const { writeGeneratedTable } = await import('../lambdas/core/generation/write-generated-table');
  const { faker } = await import('@faker-js/faker');
  const { createTableWriter } = await import('../lambdas/core/formats/create-table-writer');
  const contract = parseContract(CONTRACT, 'bench.yaml');
  const started = performance.now();
  const cpu = process.cpuUsage();
  if (engine === 'prt') {
    // Planning (faker pools included) is part of the measured time.
    await writeGeneratedTable(planTable(contract, { rows, seed: 42 }), fileSink(path), { format });
  } else {
    faker.seed(42);
    const writer = createTableWriter(format, fileSink(path), { schema: contract.schema });
    const from = new Date('2024-01-01T00:00:00Z');
    const to = new Date('2024-12-31T23:59:59Z');
    const categories = [5, 3, 1, 8, 2].map((weight, k) => ({
      value: ['books', 'games', 'garden', 'food', 'toys'][k]!,
      weight,
    }));
    for (let start = 0; start < rows; start += 8192) {
      const batch = [];
      for (let i = start; i < Math.min(rows, start + 8192); i++) {
        batch.push([
          i + 1,
          faker.number.int({ min: 1, max: 100000 }),
          BigInt(Math.round(faker.number.float({ min: 1, max: 5000, fractionDigits: 2 }) * 100)),
          BigInt(faker.date.between({ from, to }).getTime()) * 1000n,
          faker.internet.email(),
          faker.helpers.weightedArrayElement(categories),
        ]);
      }
      await writer.write(batch);
    }
    await writer.close();
  }
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000, bytes: statSync(path).size };
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '1000000' },
      runs: { type: 'string', default: '3' },
      json: { type: 'string' },
      child: { type: 'string' },
      out: { type: 'string' },
    },
  });
  const rows = Number(values.rows);
  if (values.child) {
    const [engine, format] = values.child.split(':') as [Engine, Format];
    console.log(JSON.stringify(await measure(engine, format, rows, values.out!)));
    return;
  }
  const runs = Number(values.runs);
  const dir = mkdtempSync(join(tmpdir(), 'prt-bench-gen-'));
  const cases: [Engine, Format][] = [
    ['prt', 'csv'],
    ['faker', 'csv'],
    ['prt', 'parquet'],
    ['faker', 'parquet'],
  ];
  const results = new Map<string, Measurement[]>(cases.map(([e, f]) => [`${e}:${f}`, []]));
  console.log(
    `generation benchmark: ${rows.toLocaleString('en-US')} rows, ${runs} runs, ${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)}`,
  );
  try {
    for (let run = 1; run <= runs; run++) {
      for (const [engine, format] of cases) {
        const out = join(dir, `${engine}.${format}`);
        const child = spawnSync(
          process.execPath,
          [
            '--import',
            'tsx',
            fileURLToPath(import.meta.url),
            '--child',
            `${engine}:${format}`,
            '--rows',
            String(rows),
            '--out',
            out,
          ],
          {
            encoding: 'utf8',
            env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
            maxBuffer: 1 << 20,
          },
        );
        if (child.status !== 0) throw new Error(`${engine} ${format} failed: ${child.stderr}`);
        const m = JSON.parse(child.stdout.trim().split('\n').pop()!) as Measurement;
        results.get(`${engine}:${format}`)!.push(m);
        rmSync(out, { force: true });
        process.stdout.write(
          `  run ${run} ${engine.padEnd(5)} ${format.padEnd(7)} ${(m.ms / 1000).toFixed(2)} s (CPU ${(m.cpuMs / 1000).toFixed(2)} s)\n`,
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const summary: Record<
    string,
    {
      medianSeconds: number;
      rowsPerSecond: number;
      medianCpuSeconds: number;
      rowsPerCpuSecond: number;
      bytes: number;
    }
  > = {};
  for (const [key, ms] of results) {
    const seconds = median(ms.map((m) => m.ms)) / 1000;
    const cpuSeconds = median(ms.map((m) => m.cpuMs)) / 1000;
    summary[key] = {
      medianSeconds: seconds,
      rowsPerSecond: rows / seconds,
      medianCpuSeconds: cpuSeconds,
      rowsPerCpuSecond: rows / cpuSeconds,
      bytes: ms[0]!.bytes,
    };
  }
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  console.log('\n| engine | format | median s | rows/s | median CPU s | rows per CPU s | MB |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const [key, s] of Object.entries(summary)) {
    const [engine, format] = key.split(':');
    console.log(
      `| ${engine} | ${format} | ${s.medianSeconds.toFixed(2)} | ${n(s.rowsPerSecond)} | ${s.medianCpuSeconds.toFixed(2)} | ${n(s.rowsPerCpuSecond)} | ${(s.bytes / 1e6).toFixed(1)} |`,
    );
  }
  const ratio = (f: Format) => summary[`prt:${f}`]!.rowsPerSecond / summary[`faker:${f}`]!.rowsPerSecond;
  const cpuRatio = (f: Format) =>
    summary[`prt:${f}`]!.rowsPerCpuSecond / summary[`faker:${f}`]!.rowsPerCpuSecond;
  console.log(
    `\nprt vs faker per value: CSV ${ratio('csv').toFixed(1)}x (CPU ${cpuRatio('csv').toFixed(1)}x), Parquet ${ratio('parquet').toFixed(1)}x (CPU ${cpuRatio('parquet').toFixed(1)}x)`,
  );
  console.log(
    `target ≥ 1,000,000 rows/s to CSV: ${n(summary['prt:csv']!.rowsPerSecond)} rows/s wall, ${n(summary['prt:csv']!.rowsPerCpuSecond)} per CPU second (load ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores)`,
  );
  if (values.json)
    writeFileSync(
      values.json,
      `${JSON.stringify({ rows, runs, load: loadavg(), summary, ratios: { csv: ratio('csv'), parquet: ratio('parquet') } }, null, 2)}\n`,
    );
}

await main();
