/**
 * `prt local` (what `npm start` runs): the whole event-driven flow on the embedded stack.
 * Without options it runs the demo and exits; with `--serve` it keeps the stack up for any S3
 * client (AWS CLI, boto3, the SDK) and tests every object uploaded under a watched prefix: it prints
 * (and writes to <dir>/env) the exports a shell needs, and keeps the contracts folder in step with
 * the stack. `--port` and `--state-dir` keep endpoints and data across restarts.
 */
import type { Command } from 'commander';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config/project-paths';
import { loadEnvironmentFromCdkJson } from '../config/project-config';
import { EmbeddedStack } from '../local/embedded-stack';
import { ARTIFACT_PREFIXES } from '../config/artifact-prefixes';
import { UsageError } from './aws-session';
import { ContractFolderWatcher, type ContractChange } from './contract-folder-watcher';
import { formatDemo, runDemo } from '../local/local-demo';
import { exportLines, serveEnvironment, writeServeEnvironment } from './serve-environment';

interface LocalOptions {
  readonly serve?: boolean;
  readonly env: string;
  readonly dir: string;
  readonly port?: string;
  readonly stateDir?: string;
  readonly verbose?: boolean;
}

/** The S3 server's port from --port; DynamoDB listens on the next one. */
export function localPorts(text: string | undefined): { s3: number; dynamodb: number } | undefined {
  if (text === undefined) return undefined;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65_534)
    throw new UsageError(
      `--port must be a whole number from 1 to 65534 (DynamoDB takes the next), not '${text}'`,
    );
  return { s3: port, dynamodb: port + 1 };
}

/**
 * Where the stack keeps its data. Without --state-dir the working folder is emptied on every start
 * (a fresh stack, DynamoDB in memory); with it, objects (<state>/s3) and the registry
 * (<state>/dynamodb) stay, so a restart sees the earlier runs.
 */
export function localStorage(options: Pick<LocalOptions, 'dir' | 'stateDir'>): {
  readonly dataDir: string;
  readonly dynamodbDir?: string;
} {
  if (options.stateDir === undefined) {
    rmSync(options.dir, { recursive: true, force: true });
    const dataDir = join(options.dir, 's3');
    mkdirSync(dataDir, { recursive: true });
    return { dataDir };
  }
  const dataDir = join(options.stateDir, 's3');
  const dynamodbDir = join(options.stateDir, 'dynamodb');
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(dynamodbDir, { recursive: true });
  return { dataDir, dynamodbDir };
}

export function registerLocalCommand(program: Command): void {
  program
    .command('local')
    .description('run the event-driven flow on the embedded local stack (no Docker, no AWS account)')
    .option('--serve', 'keep the stack running and test every object uploaded under a watched prefix')
    .option('--env <name>', 'environment from cdk.json whose settings to use', 'dev')
    .option('--dir <path>', 'working folder for the local stack', join(PROJECT_ROOT, '.prt', 'local'))
    .option('--port <n>', 'S3 on port n, DynamoDB on n+1 (default: free ports)')
    .option(
      '--state-dir <path>',
      'keep objects and the registry here across restarts (default: a fresh stack each start)',
    )
    .option('--verbose', 'log every execution and seeded contract')
    .action(async (options: LocalOptions) => {
      let ports;
      try {
        ports = localPorts(options.port);
        // The demo uploads the same objects on every run: against a kept registry they would be
        // duplicates, not tests.
        if (options.stateDir !== undefined && !options.serve)
          throw new UsageError('--state-dir keeps a serving stack (--serve); the demo starts fresh each run');
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        console.error(`prt local: ${error.message}`);
        process.exitCode = 2;
        return;
      }
      const config = loadEnvironmentFromCdkJson(PROJECT_ROOT, options.env);
      const storage = localStorage(options);
      const contractsDir = join(PROJECT_ROOT, 'contracts');
      const started = Date.now();
      const log = options.serve || options.verbose ? (line: string) => console.log(line) : () => undefined;
      const stack = await EmbeddedStack.start({
        repoRoot: PROJECT_ROOT,
        config,
        // Serving, the watcher seeds the folder (and keeps it in step); the demo seeds it once.
        ...(options.serve ? {} : { contractsDir }),
        ...storage,
        ...(ports ? { ports } : {}),
        log,
      });
      if (options.serve) {
        await serve(stack, { envFile: join(options.dir, 'env'), contractsDir, log });
        return;
      }
      try {
        console.log(
          `Embedded stack up (${config.name}): S3 ${stack.endpoints.s3}, DynamoDB ${stack.endpoints.dynamodb}`,
        );
        console.log(
          `Uploading two pipeline outputs to s3://${stack.resources.outputsBucket}/pipelines/sales/… and a folder of part files to …/datasets/sales/…, as pipeline steps would.`,
        );
        const outDir = join(options.dir, 'artifacts');
        const rows = await runDemo(stack, outDir);
        console.log(formatDemo(rows, process.cwd()));
        console.log('');
        console.log(`Reports and failed rows were copied from the artifacts bucket to ${outDir}`);
        console.log(
          `Done in ${((Date.now() - started) / 1000).toFixed(1)} s. Keep the stack running for your own uploads with: npm start -- --serve`,
        );
        const ok =
          rows.some((r) => r.entry?.status === 'passed') && rows.some((r) => r.entry?.status === 'failed');
        process.exitCode = ok ? 0 : 1;
      } finally {
        await stack.stop();
      }
    });
}

async function serve(
  stack: EmbeddedStack,
  options: { readonly envFile: string; readonly contractsDir: string; readonly log: (line: string) => void },
): Promise<void> {
  const r = stack.resources;
  const watcher = new ContractFolderWatcher(
    options.contractsDir,
    stack,
    (change) => options.log(describeContractChange(change, r.artifactsBucket)),
    (error) => options.log(`contracts folder scan failed (retrying): ${error.message}`),
  );
  await watcher.scan();
  watcher.start();
  // The canary and prepare-inputs, started by the CLI as on AWS (prt canary, prt inputs prepare).
  await stack.serveWorkflows({ repoRoot: PROJECT_ROOT });
  const env = serveEnvironment(stack);
  writeServeEnvironment(options.envFile, env);
  console.log(`
Embedded stack running.
  S3 endpoint         ${stack.endpoints.s3}   (path-style addressing)
  DynamoDB endpoint   ${stack.endpoints.dynamodb}
  outputs bucket      ${r.outputsBucket}   (watched prefixes: ${stack.config.watchedPrefixes.join(', ')})
  artifacts bucket    ${r.artifactsBucket} (contracts/, reports/, quarantine/, converted/)
  registry table      ${r.registryTable}
  contracts           ${options.contractsDir} is watched: files added, changed or removed apply to the next upload

In another shell, point the CLI and AWS tools at it (or: source ${options.envFile}):
${exportLines(env)
  .map((line) => `  ${line}`)
  .join('\n')}

Try:
  aws s3 cp my.csv s3://${r.outputsBucket}/pipelines/sales/run-9/preprocessing/training_data/part-0.csv
  npx prt outputs sales
  npx prt canary            (the synthetic canary, run by this stack)

Press Ctrl-C to stop.`);
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  console.log('\nStopping the embedded stack…');
  await watcher.stop();
  await stack.stop();
  console.log('Stopped.');
}

function describeContractChange(change: ContractChange, bucket: string): string {
  const where = `s3://${bucket}/${ARTIFACT_PREFIXES.contracts}${change.name}`;
  if (change.action === 'deleted') return `contract removed: ${where}`;
  return change.problem === undefined
    ? `contract uploaded: ${where}`
    : `contract uploaded but does not load (outputs it claims will fail until it is fixed): ${where}: ${change.problem}`;
}
