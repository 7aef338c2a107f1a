/**
 * `prt validate <file|s3://…> --contract <c>`: the engine the validate Lambda runs, for people.
 * Exit codes: 0 passed (or warned), 1 failed, 2 usage or input error (unreadable input, bad
 * contract, malformed file).
 */
import type { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { readerLimitsFromEnv } from '../../lambdas/runtime/reader-limits-env';
import { parseContract } from '../../lambdas/core/contracts';
import { ConfigurationError, ContractError, FormatError, IntegrityError } from '../../lambdas/core/errors';
import { renderConsoleReport } from './reporting/render-console-report';
import { renderHtmlReport } from '../../lambdas/core/reporting';
import { ObjectNotFoundError } from '../../lambdas/core/storage';
import { runValidation } from '../../lambdas/core/validation';
import { closeClients, sinkOf, sourceOf } from './locations';
import { countedSource, Progress } from './progress';

interface ValidateOptions {
  readonly contract: string;
  readonly json?: boolean;
  readonly report?: string;
  readonly quarantine?: string;
  readonly color?: boolean;
}

export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description(
      'validate a local or s3:// file against a data contract (exit 0 passed, 1 failed, 2 usage or input error)',
    )
    .argument('<input>', 'file or s3:// URI')
    .requiredOption('--contract <file>', 'contract file (YAML or JSON)')
    .option('--json', 'print the report as JSON')
    .option('--report <file.html>', 'also write the self-contained HTML report')
    .option('--quarantine <file|s3://>', 'write every failing row (JSON Lines) here')
    .option('--no-color', 'plain text output')
    .action(async (input: string, options: ValidateOptions) => {
      try {
        // Read once, here: PRT_READER_LIMITS raises (or lowers) a limit for this run, as on the functions.
        const readerLimits = readerLimitsFromEnv(process.env);
        const contract = parseContract(readFileSync(options.contract, 'utf8'), options.contract);
        const source = sourceOf(input);
        const progress = new Progress(`validating ${input}`, await source.size());
        const counted = countedSource(source, (n) => progress.update(n));
        const run = await runValidation(contract, counted, {
          openSource: (location) => sourceOf(location),
          readerLimits,
          ...(options.quarantine
            ? { quarantineSink: () => sinkOf(options.quarantine!, 'application/x-ndjson') }
            : {}),
        });
        progress.done();
        const document = {
          ...run.report,
          object: { uri: input, version: '-', etag: '-', size: await source.size() },
          format: {
            expected: contract.format,
            detected: run.opened.detection.format,
            compression: run.opened.detection.compression,
            matches: run.opened.format === contract.format,
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
        } else if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          console.error(`prt validate: ${(error as Error).message}`);
          process.exitCode = 2;
        } else throw error;
      } finally {
        closeClients();
      }
    });
}
