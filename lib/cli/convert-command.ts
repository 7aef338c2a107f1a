/**
 * `prt convert <in> <out>`: between CSV, JSON Lines, JSON, Parquet and Arrow, plain or gzip, local
 * paths or s3:// URIs. Prints the equivalence proof; exits 1 when conversion fails (nothing is
 * written under the output's name), 2 on a usage or input error.
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { readerLimitsFromEnv } from '../../lambdas/runtime/reader-limits-env';
import { convertTable } from '../../lambdas/core/conversion';
import { parseContract, DATA_FORMATS, type Compression, type DataFormat } from '../../lambdas/core/contracts';
import { ConfigurationError, ContractError, FormatError, IntegrityError } from '../../lambdas/core/errors';
import { contentTypeOf, formatFromExtension, type ParquetCodec } from '../../lambdas/core/formats';
import { closeClients, prepareLocations, sinkOf, sourceOf } from './locations';
import { countedSource as counted, Progress } from './progress';

interface ConvertOptions {
  readonly to?: string;
  readonly from?: string;
  readonly compression?: string;
  readonly parquetCodec?: string;
  readonly contract?: string;
  readonly delimiter?: string;
  readonly header: boolean;
  readonly json?: boolean;
}

class UsageError extends Error {}

function pickFormat(value: string | undefined, what: string): DataFormat | undefined {
  if (value === undefined) return undefined;
  if (!(DATA_FORMATS as readonly string[]).includes(value))
    throw new UsageError(`${what} '${value}' is not one of ${DATA_FORMATS.join(', ')}`);
  return value as DataFormat;
}

export function registerConvertCommand(program: Command): void {
  program
    .command('convert')
    .description(
      'convert between csv, jsonl, json, parquet and arrow (plain or gzip), local or s3://, with an equivalence proof',
    )
    .argument('<in>', 'input file or s3:// URI')
    .argument('<out>', 'output file or s3:// URI')
    .option('--to <format>', `output format (${DATA_FORMATS.join(', ')}); default from the output name`)
    .option('--from <format>', 'input format when its content does not settle it')
    .option('--compression <none|gzip>', 'compress a text output with gzip; default from a .gz output name')
    .option('--parquet-codec <codec>', 'snappy (default), zstd, gzip or uncompressed')
    .option(
      '--contract <file>',
      'contract whose schema types the columns (otherwise: typed formats keep their types, text stays text)',
    )
    .option('--delimiter <char>', 'CSV delimiter, input and output')
    .option('--no-header', 'CSV without a header row (needs --contract for the column names)')
    .option('--json', 'print the result as JSON')
    .action(async (input: string, output: string, options: ConvertOptions) => {
      try {
        // Read once, here: PRT_READER_LIMITS raises (or lowers) a limit for this run, as on the functions.
        const readerLimits = readerLimitsFromEnv(process.env);
        const byName = formatFromExtension(output);
        const to =
          pickFormat(options.to, '--to') ??
          (byName.format && byName.format !== 'unknown' ? byName.format : undefined);
        if (!to) throw new UsageError(`cannot tell the output format from '${output}'; pass --to`);
        const from = pickFormat(options.from, '--from');
        const compression = (options.compression ?? (byName.gzip ? 'gzip' : 'none')) as Compression;
        if (compression !== 'gzip' && compression !== 'none')
          throw new UsageError(`--compression '${String(compression)}' must be none or gzip`);
        const codec = options.parquetCodec as ParquetCodec | undefined;
        if (codec && !['snappy', 'zstd', 'gzip', 'uncompressed'].includes(codec))
          throw new UsageError(`--parquet-codec '${codec}' must be snappy, zstd, gzip or uncompressed`);
        const contract = options.contract
          ? parseContract(readFileSync(options.contract, 'utf8'), options.contract)
          : undefined;
        if (!options.header && !contract)
          throw new UsageError('--no-header needs --contract to name the columns');
        const csv =
          options.delimiter !== undefined || !options.header
            ? {
                ...contract?.csv, // the contract's quote, escape and lenient_quotes still hold
                delimiter: options.delimiter ?? contract?.csv.delimiter ?? ',',
                header: options.header,
              }
            : undefined;

        await prepareLocations([input, output]);
        const source = sourceOf(input);
        const progress = new Progress(`converting ${input}`, await source.size());
        const sink = sinkOf(output, contentTypeOf(to, compression));
        const result = await convertTable(
          counted(source, (n) => progress.update(n)),
          sink,
          () => sourceOf(output),
          {
            to,
            compression,
            readerLimits,
            ...(from ? { from } : {}),
            ...(contract ? { contract } : {}),
            ...(codec ? { parquetCodec: codec } : {}),
            ...(csv ? { csv } : {}),
          },
        );
        progress.done();
        if (options.json) console.log(JSON.stringify({ input, output, ...result }, null, 2));
        else {
          console.log(
            `${input} (${result.from}) → ${output} (${result.to}${compression === 'gzip' ? ', gzip' : ''})`,
          );
          console.log(
            `  rows       ${result.rowsIn.toLocaleString('en-US')} in, ${result.rowsOut.toLocaleString('en-US')} out`,
          );
          console.log(`  columns    ${result.schemaMapping.map((m) => `${m.to}:${m.type}`).join(', ')}`);
          for (const m of result.schemaMapping) {
            if (m.renamed) console.log(`  renamed    '${m.from}' → '${m.to}' (${m.renamed})`);
          }
          const added = result.columnsOut - result.columnsIn;
          console.log(
            `  checksums  equal for all ${result.columnsIn} of ${result.columnsIn} source columns` +
              (added > 0 ? ` and ${added} contract column(s) the input never named (all null)` : '') +
              ' (sha256 of canonical values, read back from the output)',
          );
        }
      } catch (error) {
        if (
          error instanceof UsageError ||
          error instanceof ContractError ||
          error instanceof ConfigurationError
        ) {
          console.error(`prt convert: ${error.message}`);
          process.exitCode = 2;
        } else if (error instanceof FormatError || error instanceof IntegrityError) {
          console.error(`prt convert: ${error.name}: ${error.message}`);
          process.exitCode = 1;
        } else if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          console.error(`prt convert: ${(error as Error).message}`);
          process.exitCode = 2;
        } else throw error;
      } finally {
        closeClients();
      }
    });
}
