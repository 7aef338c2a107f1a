/**
 * `prt validate <file|s3://…> --contract <c>`: the engine the validate Lambda runs, for people.
 * Exit codes: 0 passed (or warned), 1 failed, 2 usage or input error (unreadable input, bad
 * contract, malformed file).
 */
import { InvalidArgumentError, type Command } from 'commander';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { readerLimitsFromEnv } from '../../lambdas/runtime/reader-limits-env';
import { consumersOf, logicalName, parseContract, recordedEdgeLine } from '../../lambdas/core/contracts';
import {
  ConfigurationError,
  ContractError,
  FormatError,
  IntegrityError,
  PartitionPathError,
} from '../../lambdas/core/errors';
import { renderConsoleReport } from './reporting/render-console-report';
import { renderHtmlReport } from '../../lambdas/core/reporting';
import { ObjectNotFoundError } from '../../lambdas/core/storage';
import {
  formatMatches,
  formatMismatchReport,
  runValidation,
  withConsumerEdges,
  withExtensionFinding,
  type ValidationReport,
} from '../../lambdas/core/validation';
import { inspectSource, type Detection } from '../../lambdas/core/formats';
import { closeClients, isS3Uri, prepareLocations, sinkOf, sourceOf } from './locations';
import { runParallelValidation } from './parallel-validation';
import { countedSource, Progress } from './progress';
import { validateFolder } from './validate-folder';
import { contractsInFolder } from './contract-command';

interface ValidateOptions {
  readonly contract: string;
  readonly contracts?: string;
  readonly json?: boolean;
  readonly report?: string;
  readonly quarantine?: string;
  readonly color?: boolean;
  readonly workers: number;
}

function workerCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('a whole number from 1 to 64');
  return n;
}

export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description(
      'validate a local or s3:// file against a data contract (exit 0 passed, 1 failed, 2 usage or input error)',
    )
    .argument('<input>', 'file, s3:// URI, or a local folder of part files (one partitioned output)')
    .requiredOption('--contract <file>', 'contract file (YAML or JSON)')
    .option(
      '--contracts <dir>',
      "the contracts whose inputs may read this output, graded as the workflow grades them (default: the contract's folder)",
    )
    .option('--json', 'print the report as JSON')
    .option('--report <file.html>', 'also write the self-contained HTML report')
    .option('--quarantine <file|s3://>', 'write every failing row (JSON Lines) here')
    .option('--no-color', 'plain text output')
    .option(
      '--workers <n>',
      'validate a local uncompressed CSV or Parquet file on n threads (the same report)',
      workerCount,
      1,
    )
    .action(async (input: string, options: ValidateOptions) => {
      try {
        // Read once, here: PRT_READER_LIMITS raises (or lowers) a limit for this run, as on the functions.
        const readerLimits = readerLimitsFromEnv(process.env);
        const contract = parseContract(readFileSync(options.contract, 'utf8'), options.contract);
        await prepareLocations([input, options.quarantine, ...sampleReferences(contract)]);
        if (!isS3Uri(input) && statSync(input).isDirectory()) {
          await validateFolderCommand(contract, input, options, readerLimits);
          return;
        }
        const source = sourceOf(input);
        const progress = new Progress(`validating ${input}`, await source.size());
        // The steps that read this output judge it too, as in the workflow: every contract around
        // whose inputs name it, graded by what it declared it reads.
        const consumers = consumersOf(
          logicalName(contract),
          contractsInFolder(options.contracts ?? dirname(options.contract)),
        );
        const deps = {
          openSource: (location: string) => sourceOf(location),
          readerLimits,
          consumerColumns: consumers.flatMap((c) => c.expectation.columns ?? []),
          ...(options.quarantine
            ? { quarantineSink: () => sinkOf(options.quarantine!, 'application/x-ndjson') }
            : {}),
        };
        let run: {
          report: ValidationReport;
          detection: Detection;
          format: string;
          quarantinedRows: number;
        };
        // As the workflow's Inspect step: a file in another format than the contract's fails
        // without a row being read, and a misleading extension warns.
        const detection = await inspectSource(source);
        const matches = formatMatches(detection, contract.format);
        if (!matches) {
          run = {
            report: formatMismatchReport(contract, detection),
            detection,
            format: detection.format,
            quarantinedRows: 0,
          };
        } else if (options.workers > 1 && !isS3Uri(input)) {
          // Threads read their own ranges of the file: progress shows only when it is done.
          run = await runParallelValidation(contract, input, { ...deps, workers: options.workers });
        } else {
          const counted = countedSource(source, (n) => progress.update(n));
          const one = await runValidation(contract, counted, deps);
          run = { ...one, detection: one.opened.detection, format: one.opened.format };
        }
        if (matches)
          run = {
            ...run,
            report: withConsumerEdges(
              withExtensionFinding(run.report, input, detection),
              contract,
              consumers,
            ),
          };
        progress.done();
        const document = {
          ...run.report,
          object: { uri: input, version: '-', etag: '-', size: await source.size() },
          format: {
            expected: contract.format,
            detected: run.detection.format,
            compression: run.detection.compression,
            matches,
          },
          quarantineUri: run.quarantinedRows > 0 && options.quarantine ? options.quarantine : null,
          validatedAt: new Date().toISOString(),
        };
        if (options.report) writeFileSync(resolve(options.report), renderHtmlReport(document));
        if (options.json) console.log(JSON.stringify(document, null, 2));
        else {
          console.log(
            renderConsoleReport(document, {
              color: options.color !== false && process.stdout.isTTY === true,
            }),
          );
          if (run.report.consumers && run.report.consumers.length > 0)
            console.log(
              ['', 'Consumers', ...run.report.consumers.map((e) => `  ${recordedEdgeLine(e)}`)].join('\n'),
            );
          if (options.report) console.log(`HTML report: ${resolve(options.report)}`);
          if (run.quarantinedRows > 0 && options.quarantine)
            console.log(`failed rows (${run.quarantinedRows}): ${options.quarantine}`);
        }
        process.exitCode = run.report.status === 'failed' ? 1 : 0;
      } catch (error) {
        if (
          error instanceof ConfigurationError ||
          error instanceof ContractError ||
          error instanceof FormatError ||
          error instanceof IntegrityError ||
          error instanceof ObjectNotFoundError
        ) {
          console.error(`prt validate: ${error.name}: ${error.message}`);
          process.exitCode = 2;
        } else if (error instanceof PartitionPathError) {
          console.error(`prt validate: ${error.name}: ${error.message}`);
          process.exitCode = 2;
        } else if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          console.error(`prt validate: ${(error as Error).message}`);
          process.exitCode = 2;
        } else throw error;
      } finally {
        closeClients();
      }
    });
}

/**
 * A local folder of parts: one report over every part (lib/cli/validate-folder.ts). Failing rows
 * are numbered within their part, so a single quarantine file would mislead: --quarantine and
 * --workers are for one file.
 */
async function validateFolderCommand(
  contract: ReturnType<typeof parseContract>,
  folder: string,
  options: ValidateOptions,
  readerLimits: ReturnType<typeof readerLimitsFromEnv>,
): Promise<void> {
  if (options.quarantine || options.workers > 1) {
    console.error('prt validate: --quarantine and --workers take one file, not a folder of parts');
    process.exitCode = 2;
    return;
  }
  const run = await validateFolder(contract, folder, { openSource: (l) => sourceOf(l), readerLimits });
  const document = {
    ...run.report,
    object: { uri: folder, version: '-', etag: '-', size: run.bytes },
    format: {
      expected: contract.format,
      detected: run.format,
      compression: run.detection.compression,
      matches: !run.report.failedRules.includes('parts_readable'),
    },
    quarantineUri: null,
    validatedAt: new Date().toISOString(),
    parts: {
      total: run.parts,
      validated: run.validated,
      unreadable: run.parts - run.validated,
      notValidated: 0,
    },
  };
  if (options.report) writeFileSync(resolve(options.report), renderHtmlReport(document));
  if (options.json) console.log(JSON.stringify(document, null, 2));
  else
    console.log(
      renderConsoleReport(document, { color: options.color !== false && process.stdout.isTTY === true }),
    );
  process.exitCode = run.report.status === 'failed' ? 1 : 0;
}

/** Where the contract's ks_test rules read their reference samples (the run opens them). */
function sampleReferences(contract: ReturnType<typeof parseContract>): string[] {
  return contract.quality.flatMap((rule) =>
    rule.condition.kind === 'ks_test' ? [rule.condition.reference] : [],
  );
}
