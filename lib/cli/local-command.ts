/**
 * `prt local` (what `npm start` runs): the whole event-driven flow on the embedded stack.
 * Without options it runs the demo and exits; with `--serve` it keeps the stack up for any S3
 * client (AWS CLI, boto3, the SDK) and tests every object uploaded under a watched prefix.
 */
import type { Command } from 'commander';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../project-paths';
import { loadEnvironmentFromCdkJson } from '../shared/project-config';
import { EmbeddedStack, LOCAL_CREDENTIALS, LOCAL_REGION } from '../local/embedded-stack';
import { formatDemo, runDemo } from './local-demo';

interface LocalOptions {
  readonly serve?: boolean;
  readonly env: string;
  readonly dir: string;
  readonly verbose?: boolean;
}

export function registerLocalCommand(program: Command): void {
  program
    .command('local')
    .description('run the event-driven flow on the embedded local stack (no Docker, no AWS account)')
    .option('--serve', 'keep the stack running and test every object uploaded under a watched prefix')
    .option('--env <name>', 'environment from cdk.json whose settings to use', 'dev')
    .option('--dir <path>', 'working folder for the local stack', join(PROJECT_ROOT, '.prt', 'local'))
    .option('--verbose', 'log every execution and seeded contract')
    .action(async (options: LocalOptions) => {
      const config = loadEnvironmentFromCdkJson(PROJECT_ROOT, options.env);
      rmSync(options.dir, { recursive: true, force: true });
      const dataDir = join(options.dir, 's3');
      mkdirSync(dataDir, { recursive: true });
      const started = Date.now();
      const stack = await EmbeddedStack.start({
        repoRoot: PROJECT_ROOT,
        config,
        contractsDir: join(PROJECT_ROOT, 'contracts'),
        dataDir,
        log: options.serve || options.verbose ? (line) => console.log(line) : () => undefined,
      });
      if (options.serve) {
        await serve(stack);
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

async function serve(stack: EmbeddedStack): Promise<void> {
  const r = stack.resources;
  console.log(`
Embedded stack running. Point any S3 / DynamoDB client at it:
  S3 endpoint         ${stack.endpoints.s3}   (path-style addressing)
  DynamoDB endpoint   ${stack.endpoints.dynamodb}
  region              ${LOCAL_REGION}
  access key / secret ${LOCAL_CREDENTIALS.accessKeyId} / ${LOCAL_CREDENTIALS.secretAccessKey}
  outputs bucket      ${r.outputsBucket}   (watched prefixes: ${stack.config.watchedPrefixes.join(', ')})
  artifacts bucket    ${r.artifactsBucket} (contracts/, reports/, quarantine/, converted/)
  registry table      ${r.registryTable}

Try:
  export AWS_ACCESS_KEY_ID=${LOCAL_CREDENTIALS.accessKeyId} AWS_SECRET_ACCESS_KEY=${LOCAL_CREDENTIALS.secretAccessKey} AWS_REGION=${LOCAL_REGION}
  aws --endpoint-url ${stack.endpoints.s3} s3 cp my.csv s3://${r.outputsBucket}/pipelines/sales/run-9/preprocessing/training_data/part-0.csv

Press Ctrl-C to stop.`);
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  console.log('\nStopping the embedded stack…');
  await stack.stop();
  console.log('Stopped.');
}
