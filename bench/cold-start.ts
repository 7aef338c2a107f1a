/**
 * Start-up of each Lambda function and of the CLI. Each handler is bundled as the CDK app bundles it
 * (lib/workflow-functions.ts, lib/generate-function.ts: esbuild, CommonJS, minified, source maps,
 * target node22, the AWS SDK inside the bundle) into a temporary folder, then imported in fresh node
 * processes started as the deployed functions start (--enable-source-maps, the function's
 * environment variables), timing the `import()` alone: module load and top-level initialisation
 * (clients, configuration), no invocation. Then `prt --help`, spawn to exit.
 *
 *   npm run bench:start               # 5 processes per function, medians
 *   npm run bench:start -- --runs 9
 *
 * Not a test: nothing fails on a number. The machine's Node runs the bundles, not Lambda's Node 24.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ARTIFACT_PREFIXES } from '../lib/config/artifact-prefixes';
import { WORKFLOW_FUNCTIONS, handlerEntry } from '../lib/config/workflow-definition';
import { serviceNameOf } from '../lib/config/workflow-metrics';
import { FUNCTION_ENV, GENERATE_ENV, PUBLISH_ENV } from '../lambdas/runtime/function-environment';
import { bundleAsDeployed } from './deployed-bundle';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(args.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs ${args.runs}: expected a whole number ≥ 1`);

/** Each function's own variables, as its CDK construct sets them (placeholder resource names). */
const FUNCTIONS: readonly { name: string; entry: string; env: Readonly<Record<string, string>> }[] = [
  ...WORKFLOW_FUNCTIONS.map((name) => ({
    name,
    entry: handlerEntry(name),
    env: { POWERTOOLS_SERVICE_NAME: serviceNameOf(name) },
  })),
  {
    name: 'generate',
    entry: 'lambdas/generate/handler.ts',
    env: {
      [GENERATE_ENV.outputsBucket]: 'prt-bench-outputs',
      [GENERATE_ENV.syntheticPrefix]: 'synthetic/',
      [GENERATE_ENV.maxRows]: '50000000',
    },
  },
];

/** The variables every function gets; nothing is called at import, so the names need not exist. */
const SHARED_ENV: Readonly<Record<string, string>> = {
  AWS_REGION: 'eu-west-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'WARN',
  [FUNCTION_ENV.registryTable]: 'prt-bench-registry',
  [FUNCTION_ENV.artifactsBucket]: 'prt-bench-artifacts',
  [FUNCTION_ENV.contractsPrefix]: ARTIFACT_PREFIXES.contracts,
  [FUNCTION_ENV.reportsPrefix]: ARTIFACT_PREFIXES.reports,
  [FUNCTION_ENV.quarantinePrefix]: ARTIFACT_PREFIXES.quarantine,
  [FUNCTION_ENV.convertedPrefix]: ARTIFACT_PREFIXES.converted,
  [FUNCTION_ENV.conversionPartsPrefix]: ARTIFACT_PREFIXES.conversionParts,
  [FUNCTION_ENV.manifestsPrefix]: ARTIFACT_PREFIXES.manifests,
  [FUNCTION_ENV.resultsPrefix]: ARTIFACT_PREFIXES.results,
  [PUBLISH_ENV.publishedPrefix]: 'published/',
};

/** The child: imports the bundle and prints how long the import took, in ms. */
const PROBE = `const t0 = performance.now();
await import(process.argv[2]);
process.stdout.write(String(performance.now() - t0));
`;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function run(command: string, argv: readonly string[], env: NodeJS.ProcessEnv): string {
  const result = spawnSync(command, argv, { env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${argv.join(' ')} failed:\n${result.stderr}`);
  return result.stdout;
}

const work = mkdtempSync(join(tmpdir(), 'prt-cold-start-'));
try {
  writeFileSync(join(work, 'package.json'), '{ "type": "commonjs" }\n');
  const probe = join(work, 'probe.mjs');
  writeFileSync(probe, PROBE);

  const bundles = new Map<string, string>();
  for (const fn of FUNCTIONS) {
    const outfile = join(work, fn.name, 'index.js');
    await bundleAsDeployed(join(ROOT, fn.entry), outfile);
    bundles.set(fn.name, outfile);
  }

  // Functions interleaved process by process, so load on the machine spreads over all of them. Each
  // is also imported without --enable-source-maps, which makes node parse the bundle's map at load.
  const times = new Map<string, { deployed: number[]; noMaps: number[] }>(
    FUNCTIONS.map((fn) => [fn.name, { deployed: [], noMaps: [] }]),
  );
  for (let i = 0; i < runs; i++) {
    for (const fn of FUNCTIONS) {
      const url = pathToFileURL(bundles.get(fn.name)!).href;
      const env = { PATH: process.env.PATH, ...SHARED_ENV, ...fn.env };
      const samples = times.get(fn.name)!;
      samples.deployed.push(Number(run(process.execPath, ['--enable-source-maps', probe, url], env)));
      samples.noMaps.push(Number(run(process.execPath, [probe, url], env)));
    }
  }

  const wall = (argv: readonly string[]): number[] => {
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      run(process.execPath, argv, { ...process.env });
      samples.push(performance.now() - started);
    }
    return samples;
  };
  const bare = wall(['-e', '0']);
  const help = wall([join(ROOT, 'bin', 'prt.mjs'), '--help']);

  const ms = (samples: readonly number[]): string[] => [
    median(samples).toFixed(0),
    Math.min(...samples).toFixed(0),
  ];
  const rows = FUNCTIONS.map((fn) => {
    const samples = times.get(fn.name)!;
    return [
      fn.name,
      (statSync(bundles.get(fn.name)!).size / 1024).toFixed(0),
      ...ms(samples.deployed),
      ...ms(samples.noMaps),
    ];
  });
  rows.push(['prt --help (spawn to exit)', '', ...ms(help), '', '']);
  rows.push(['node -e 0 (spawn to exit)', '', ...ms(bare), '', '']);

  const header = ['function', 'bundle KB', 'import ms median', 'min', 'no source maps: median', 'min'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  console.log(
    `Node ${process.version}, ${runs} fresh processes each, load average ${loadavg()[0]!.toFixed(1)}`,
  );
  console.log(line(header));
  for (const row of rows) console.log(line(row));
} finally {
  rmSync(work, { recursive: true, force: true });
}
