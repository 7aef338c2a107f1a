/**
 * `prt infer <file|s3://…>`: drafts a data contract from a sample file (types, nullability,
 * ranges, categories, patterns, keys, suggested rules), as commented YAML ready to edit. Prints
 * it, or writes it with --out. The whole file is read; past --sample-rows rows the draft comes from
 * a seeded random sample across all of it. Exit codes: 0 drafted, 2 usage or input error.
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { DATA_FORMATS, type DataFormat } from '../../lambdas/core/contracts';
import { readerLimitsFromEnv } from '../../lambdas/runtime/reader-limits-env';
import { ConfigurationError, FormatError } from '../../lambdas/core/errors';
import { DEFAULT_SAMPLE_ROWS, inferContract, type OutputName } from './profiling/infer-contract';
import { closeClients, isS3Uri, prepareLocations, sinkOf, sourceOf } from './locations';
import { countedSource as counted, Progress } from './progress';

interface InferOptions {
  readonly name?: string;
  readonly path?: string;
  readonly sampleRows?: string;
  readonly out?: string;
  readonly force?: boolean;
  readonly from?: string;
  readonly delimiter?: string;
  readonly header: boolean;
  readonly maxCategories?: string;
}

class UsageError extends Error {}

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** `pipeline/step/output`, each part a contract name. */
export function parseOutputName(text: string): OutputName {
  const parts = text.split('/');
  if (parts.length !== 3 || parts.some((p) => !NAME.test(p))) {
    throw new UsageError(
      `--name '${text}' must be pipeline/step/output (letters, digits, _ . - in each part)`,
    );
  }
  const [pipeline, step, output] = parts as [string, string, string];
  return { pipeline, step, output };
}

function positiveInteger(text: string, what: string, allowAll: boolean): number {
  if (allowAll && text === 'all') return Infinity;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`${what} '${text}' must be a positive integer${allowAll ? " or 'all'" : ''}`);
  return n;
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

export function registerInferCommand(program: Command): void {
  program
    .command('infer')
    .description(
      'draft a data contract (types, nullability, ranges, categories, patterns, suggested rules) from a sample file',
    )
    .argument('<input>', 'sample file or s3:// URI (csv, jsonl, json, parquet, arrow; plain or gzip)')
    .option('--name <pipeline/step/output>', 'logical name of the output (default pipeline/step/<file name>)')
    .option('--path <template>', 'key template of the output, e.g. pipelines/sales/{run_id}/orders/')
    .option(
      '--sample-rows <n>',
      `rows in the sample the draft is inferred from, drawn across the whole file (seeded, so repeatable), or 'all' (default ${DEFAULT_SAMPLE_ROWS.toLocaleString('en-US')})`,
    )
    .option('--out <file>', 'write the draft here (local path or s3:// URI) instead of printing it')
    .option('--force', 'overwrite an existing --out file')
    .option('--from <format>', 'input format when its content does not settle it')
    .option('--delimiter <char>', 'CSV delimiter (default: sniffed from the first lines)')
    .option('--no-header', 'CSV without a header row (columns are named column_1, column_2, ...)')
    .option('--max-categories <n>', 'most distinct values that make a column categorical (default 20)')
    .action(async (input: string, options: InferOptions) => {
      try {
        // Read once, here: PRT_READER_LIMITS raises (or lowers) a limit for this run, as on the functions.
        const readerLimits = readerLimitsFromEnv(process.env);
        const name = options.name !== undefined ? parseOutputName(options.name) : undefined;
        const sampleRows =
          options.sampleRows !== undefined
            ? positiveInteger(options.sampleRows, '--sample-rows', true)
            : undefined;
        const maxCategories =
          options.maxCategories !== undefined
            ? positiveInteger(options.maxCategories, '--max-categories', false)
            : undefined;
        if (options.from !== undefined && !(DATA_FORMATS as readonly string[]).includes(options.from)) {
          throw new UsageError(`--from '${options.from}' is not one of ${DATA_FORMATS.join(', ')}`);
        }
        if (options.delimiter !== undefined && options.delimiter.length !== 1)
          throw new UsageError(`--delimiter must be one character`);
        if (options.out !== undefined && !isS3Uri(options.out) && existsSync(options.out) && !options.force) {
          throw new UsageError(
            `${options.out} exists: pass --force to overwrite it (a draft should not replace an edited contract)`,
          );
        }

        await prepareLocations([input, options.out]);
        const source = sourceOf(input);
        const progress = new Progress(`sampling ${input}`, await source.size());
        let bytes = 0;
        const draft = await inferContract(
          counted(source, (n) => {
            bytes = n;
          }),
          {
            ...(name ? { name } : {}),
            ...(options.path !== undefined ? { path: options.path } : {}),
            ...(sampleRows !== undefined ? { sampleRows } : {}),
            ...(maxCategories !== undefined ? { maxCategories } : {}),
            ...(options.from !== undefined ? { formatHint: options.from as DataFormat } : {}),
            readerLimits,
            csv: {
              header: options.header,
              ...(options.delimiter !== undefined ? { delimiter: options.delimiter } : {}),
            },
            onRows: (rows) => progress.update(bytes, rows),
          },
        );
        progress.done();
        const summary =
          `${draft.contract.pipeline}/${draft.contract.step}/${draft.contract.output}: ${plural(draft.columns.length, 'column')}, ` +
          `${plural(draft.rules.length, 'suggested rule')}, ` +
          (draft.sampleComplete
            ? `from all ${plural(draft.rowsSampled, 'row')}`
            : `from a random sample of ${plural(draft.rowsSampled, 'row')} across all ${draft.rowsRead.toLocaleString('en-US')}`);
        if (options.out === undefined) {
          process.stdout.write(draft.yaml);
          console.error(`prt infer: drafted ${summary}`);
        } else {
          const sink = sinkOf(options.out, 'application/yaml');
          try {
            await sink.write(Buffer.from(draft.yaml, 'utf8'));
            await sink.close();
          } catch (error) {
            await sink.abort();
            throw error;
          }
          console.log(`wrote ${options.out}: ${summary}`);
          console.log(`next: edit it, then \`prt contract check ${options.out}\``);
        }
      } catch (error) {
        if (
          error instanceof UsageError ||
          error instanceof RangeError ||
          error instanceof ConfigurationError
        ) {
          console.error(`prt infer: ${error.message}`);
          process.exitCode = 2;
        } else if (error instanceof FormatError) {
          console.error(`prt infer: ${error.name}: ${error.message}`);
          process.exitCode = 2;
        } else if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          console.error(`prt infer: ${(error as Error).message}`);
          process.exitCode = 2;
        } else throw error;
      } finally {
        closeClients();
      }
    });
}
