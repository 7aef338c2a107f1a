/**
 * `prt inputs prepare <pipeline/step> --dir <folder>`: fetches the inputs a step's contracts
 * declare, at the versions the registry resolves (the latest run, `--run`, or `--pin`), converted to
 * the format the step reads (`--format`), with a manifest of exactly which versions were used.
 * Contracts come from --contracts (a folder or s3://bucket/prefix/), else ./contracts, else the
 * artifacts bucket ($PRT_ARTIFACTS_BUCKET).
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DATA_FORMATS, type DataFormat } from '../../lambdas/core/contracts';
import {
  loadContractBucket,
  loadContractDirectory,
  type LoadedContracts,
  prepareInputs,
} from '../../lambdas/core/inputs';
import { parseS3Uri } from '../../lambdas/core/storage';
import type { TestStatus } from '../../lambdas/core/registry';
import { ARTIFACT_PREFIXES } from '../config/artifact-prefixes';
import { FUNCTION_ENV } from '../../lambdas/runtime/function-environment';
import { AwsSession, UsageError, positiveInteger, type DownloadFlags } from './aws-session';
import { runRemotePrepare, type RemotePrepareOptions } from './remote-prepare-inputs';
import { runCommand } from './command-errors';

interface PrepareOptions extends DownloadFlags {
  readonly dir?: string;
  readonly remote?: string;
  readonly to?: string;
  readonly stateMachine?: string;
  readonly outputsFile: string;
  readonly wait: boolean;
  readonly timeout: string;
  readonly sampleRows?: string;
  readonly sampleFraction?: string;
  readonly seed: string;
  readonly mask: boolean;
  readonly run?: string;
  readonly format?: string;
  readonly pin: string[];
  readonly includeFailed?: boolean;
  readonly contracts?: string;
  readonly artifactsBucket?: string;
  readonly table?: string;
  readonly json?: boolean;
}

async function contractsFor(session: AwsSession, options: PrepareOptions): Promise<LoadedContracts> {
  const location = options.contracts;
  if (location?.startsWith('s3://')) {
    const { bucket, key } = parseS3Uri(location.endsWith('/') ? `${location}x` : `${location}/x`);
    return loadContractBucket(session.store, bucket, key.slice(0, -1));
  }
  if (location !== undefined) return loadContractDirectory(resolve(location));
  if (existsSync('contracts')) return loadContractDirectory(resolve('contracts'));
  const bucket = options.artifactsBucket ?? process.env[FUNCTION_ENV.artifactsBucket];
  if (!bucket) {
    throw new UsageError(
      `no contracts: pass --contracts <folder | s3://bucket/prefix/>, run where ./contracts exists, or set ${FUNCTION_ENV.artifactsBucket}`,
    );
  }
  return loadContractBucket(session.store, bucket, ARTIFACT_PREFIXES.contracts);
}

function pinsOf(pins: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pin of pins) {
    const at = pin.lastIndexOf('=');
    if (at <= 0 || at === pin.length - 1)
      throw new UsageError(
        `--pin '${pin}': write input=version, e.g. ingestion/raw_orders=3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY`,
      );
    out[pin.slice(0, at)] = pin.slice(at + 1);
  }
  return out;
}

/** The prepare-inputs execution input the options ask for. */
export function remoteInput(
  step: string,
  options: Pick<PrepareOptions, 'sampleRows' | 'sampleFraction' | 'seed' | 'run' | 'format' | 'mask' | 'to'>,
  pins: Record<string, string>,
): Record<string, unknown> {
  const rows = positiveInteger(options.sampleRows, '--sample-rows');
  const fraction = options.sampleFraction === undefined ? undefined : Number(options.sampleFraction);
  if (rows !== undefined && fraction !== undefined)
    throw new UsageError('pass --sample-rows or --sample-fraction, not both');
  return {
    step,
    ...(options.run !== undefined ? { runId: options.run } : {}),
    ...(Object.keys(pins).length > 0 ? { pins } : {}),
    ...(rows !== undefined ? { sample: { rows } } : {}),
    ...(fraction !== undefined ? { sample: { fraction, seed: Number(options.seed) } } : {}),
    ...(options.format !== undefined ? { format: options.format } : {}),
    ...(options.to !== undefined ? { target: options.to } : {}),
    mask: options.mask,
  };
}

function remoteOptions(options: PrepareOptions): RemotePrepareOptions {
  return {
    remote: options.remote!,
    ...(options.stateMachine !== undefined ? { stateMachine: options.stateMachine } : {}),
    outputsFile: options.outputsFile,
    wait: options.wait,
    timeoutSeconds: positiveInteger(options.timeout, '--timeout') ?? 3600,
  };
}

export function registerInputsCommands(program: Command): void {
  const inputs = program.command('inputs').description("work with a pipeline step's declared inputs");
  inputs
    .command('prepare')
    .description(
      "download the registered versions of a step's declared inputs into a folder, converted to the format the step reads",
    )
    .argument('<step>', 'pipeline/step, e.g. sales/preprocessing')
    .option('--dir <folder>', 'where to put the inputs (one folder per input, and prt-inputs.json)')
    .option(
      '--remote <env>',
      "stage them in the environment's bucket instead, by its prepare-inputs state machine",
    )
    .option(
      '--to <env>',
      "with --remote: stage into this other environment's bucket (one of the environment's staging.targets)",
    )
    .option('--state-machine <arn>', 'with --remote: the state machine (default: from --outputs-file)')
    .option(
      '--outputs-file <file>',
      'with --remote: the outputs `cdk deploy --outputs-file` wrote',
      'cdk-outputs.json',
    )
    .option('--no-wait', 'with --remote: start the execution and print how to follow it')
    .option('--timeout <seconds>', 'with --remote: how long to wait', '3600')
    .option('--sample-rows <n>', 'with --remote: stage the first N rows of each input')
    .option('--sample-fraction <f>', 'with --remote: stage a seeded fraction (0..1] of the rows')
    .option('--seed <n>', 'with --remote: the seed of --sample-fraction', '1')
    .option('--no-mask', 'with --remote: do not mask the columns contracts mark personal')
    .option('--run <id>', 'use the inputs of this pipeline run (default: the latest run of each input)')
    .option(
      '--format <format>',
      `the format the step reads (${DATA_FORMATS.join(', ')}); default each input's own`,
    )
    .option(
      '--pin <input=version>',
      'use this version of an input (repeatable); input as step/output or pipeline/step/output',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--include-failed', 'also use versions that failed their tests or are not tested yet')
    .option(
      '--contracts <location>',
      'contracts folder or s3://bucket/prefix/ (default ./contracts, else the artifacts bucket)',
    )
    .option(
      '--artifacts-bucket <bucket>',
      `artifacts bucket holding contracts/ (default $${FUNCTION_ENV.artifactsBucket})`,
    )
    .option('--table <name>', 'registry table (default $PRT_REGISTRY_TABLE)')
    .option('--cache-dir <dir>', 'cache folder (default $PRT_CACHE_DIR, else ~/.cache/prt)')
    .option('--concurrency <n>', 'ranged GETs in flight per object (default 8)')
    .option('--json', 'print the manifest as JSON')
    .action(async (step: string, options: PrepareOptions) => {
      const session = new AwsSession();
      await runCommand(
        'inputs prepare',
        session,
        async () => {
          if (options.format !== undefined && !(DATA_FORMATS as readonly string[]).includes(options.format)) {
            throw new UsageError(`--format '${options.format}' is not one of ${DATA_FORMATS.join(', ')}`);
          }
          const pins = pinsOf(options.pin);
          if (options.remote !== undefined) {
            process.exitCode = await runRemotePrepare(
              remoteInput(step, options, pins),
              remoteOptions(options),
              (l) => console.log(l),
            );
            return;
          }
          if (options.to !== undefined)
            throw new UsageError('--to stages through a deployed environment; pass --remote <env> with it');
          if (options.dir === undefined) throw new UsageError('pass --dir <folder>, or --remote <env>');
          if (options.run !== undefined && Object.keys(pins).length > 0) {
            console.error(
              'prt inputs prepare: note: pinned inputs use their pinned version; the others use --run',
            );
          }
          const registry = session.registry(options.table);
          const loaded = await contractsFor(session, options);
          for (const b of loaded.broken)
            console.error(`prt inputs prepare: warning: skipped contract ${b.file}: ${b.error}`);
          const statuses: TestStatus[] | undefined = options.includeFailed
            ? ['passed', 'warned', 'pending', 'failed']
            : undefined;
          const dir = resolve(options.dir);
          const result = await prepareInputs(
            {
              registry,
              lineage: session.lineage(options.table),
              downloader: session.downloader(options),
            },
            {
              step,
              contracts: loaded.contracts,
              dir,
              ...(options.run !== undefined ? { runId: options.run } : {}),
              pins,
              ...(options.format !== undefined ? { format: options.format as DataFormat } : {}),
              ...(statuses ? { statuses } : {}),
              onFile: (file) => {
                if (!options.json) {
                  const how =
                    file.via === 'converted'
                      ? `converted from ${file.convertedFrom?.format} (${file.convertedFrom?.rows} rows, checksums equal)`
                      : file.via;
                  console.log(
                    `${file.input}  ${file.uri}  ${file.version}  ${file.status}  → ${file.path}  [${how}]`,
                  );
                }
              },
            },
          );
          if (options.json) console.log(JSON.stringify(result, null, 2));
          else if (result.inputs.length === 0)
            console.log(`${result.step} declares no inputs in ${loaded.source}`);
          else
            console.log(
              `\n${result.inputs.length} input${result.inputs.length === 1 ? '' : 's'} of ${result.step} in ${dir}; versions used: ${result.manifest}`,
            );
        },
        { table: options.table ?? process.env['PRT_REGISTRY_TABLE'] ?? '' },
      );
    });
}
