/**
 * `prt generate`: synthetic data from contracts, from a sample, for a whole pipeline, as text or
 * as images, to a local path or an s3:// URI. The same core the generate Lambda runs
 * (lambdas/core/generation). Objects written to S3 are registered with data type `synthetic`
 * when a registry table is given (--registry-table or PRT_REGISTRY_TABLE).
 *
 *   prt generate --contract contracts/orders.yaml --rows 1000000 --out orders.parquet
 *   prt generate --contracts contracts/ --pipeline sales --rows 1000 --out out/
 *   prt generate --like sample.parquet --rows 10000 --out similar.csv
 *   prt generate text --template 'Order {digits:6} for {first_name}' --count 100 --out notes.txt
 *   prt generate images --width 64 --height 64 --count 10 --kind shapes --out images/
 *
 * Exit codes: 0 generated, 1 writing failed (nothing is left under the output's name), 2 usage,
 * contract or impossible-request error (nothing was written).
 */
import type { Command } from 'commander';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import {
  parseContract,
  DATA_FORMATS,
  logicalName,
  type Compression,
  type DataFormat,
  type OutputContract,
} from '../../lambdas/core/contracts';
import { ContractError, FormatError, PrtError } from '../../lambdas/core/errors';
import { contentTypeOf, formatFromExtension, type ParquetCodec } from '../../lambdas/core/formats';
import {
  CellRandom,
  hashText,
  GenerationError,
  planPipeline,
  compilePattern,
  registerSynthetic,
  syntheticKey,
  planTable,
  type TablePlan,
  compileTemplate,
  parseViolation,
  writeGeneratedTable,
} from '../../lambdas/core/generation';
import {
  checkImageSpec,
  IMAGE_KINDS,
  npyHeader,
  renderImage,
  type ImageKind,
  type ImageSpec,
} from './generation/image-generator';
import { learnTemplate } from './generation/learn-profile';
import { encodePng } from './generation/png-encoder';
import { parseS3Uri } from '../../lambdas/core/storage';
import { closeClients, isS3Uri, prepareLocations, registryOf, sinkOf, sourceOf } from './locations';
import { Progress } from './progress';

interface TableOptions {
  readonly contract?: string;
  readonly contracts?: string;
  readonly pipeline?: string;
  readonly like?: string;
  readonly rows?: string;
  readonly seed: string;
  readonly out?: string;
  readonly format?: string;
  readonly compression?: string;
  readonly parquetCodec?: string;
  readonly violate: string[];
  readonly runId?: string;
  readonly registryTable?: string;
  readonly saveContract?: string;
  readonly json?: boolean;
}

class UsageError extends Error {}

function integer(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(n))
    throw new UsageError(`${what} '${text}' is not a whole number`);
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function pickFormat(value: string | undefined): DataFormat | undefined {
  if (value === undefined) return undefined;
  if (!(DATA_FORMATS as readonly string[]).includes(value))
    throw new UsageError(`--format '${value}' is not one of ${DATA_FORMATS.join(', ')}`);
  return value as DataFormat;
}

function readContracts(dir: string): OutputContract[] {
  return readdirSync(dir)
    .filter((f) => /\.(ya?ml|json)$/i.test(f))
    .sort()
    .map((f) => parseContract(readFileSync(join(dir, f), 'utf8'), join(dir, f)));
}

/** Reports an error the way every prt command does, with the exit code its kind deserves. */
function fail(error: unknown): void {
  if (error instanceof UsageError || error instanceof ContractError || error instanceof GenerationError) {
    console.error(`prt generate: ${error.message}`);
    process.exitCode = 2;
  } else if (error instanceof PrtError || error instanceof FormatError) {
    console.error(`prt generate: ${error.name}: ${error.message}`);
    process.exitCode = 1;
  } else if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
    console.error(`prt generate: ${(error as Error).message}`);
    process.exitCode = 2;
  } else throw error;
}

interface Target {
  readonly plan: TablePlan;
  readonly location: string;
  readonly format: DataFormat;
  readonly compression: Compression;
}

async function runTables(options: TableOptions): Promise<void> {
  const modes = [options.contract, options.contracts, options.like].filter((m) => m !== undefined).length;
  if (modes !== 1)
    throw new UsageError(
      'give exactly one of --contract <file>, --contracts <dir> --pipeline <name>, --like <sample>',
    );
  const out = options.out;
  if (out === undefined) throw new UsageError('--out <path> is required');
  await prepareLocations([out, options.like]);
  const rows = integer(options.rows, '--rows');
  const seed = integer(options.seed, '--seed')!;
  const violations = options.violate.map(parseViolation);
  const runId = options.runId ?? `synthetic-${seed}`;
  const codec = options.parquetCodec as ParquetCodec | undefined;
  if (codec && !['snappy', 'zstd', 'gzip', 'uncompressed'].includes(codec))
    throw new UsageError(`--parquet-codec '${codec}' must be snappy, zstd, gzip or uncompressed`);
  if (options.compression !== undefined && !['none', 'gzip'].includes(options.compression))
    throw new UsageError(`--compression '${options.compression}' must be none or gzip`);

  const targets: Target[] = [];
  let exclusions: ReadonlyMap<string, ReadonlySet<number>> | undefined;
  if (options.contracts !== undefined) {
    if (!options.pipeline) throw new UsageError('--contracts needs --pipeline <name>');
    const plans = planPipeline(readContracts(options.contracts), options.pipeline, {
      seed,
      violations,
      ...(rows !== undefined ? { rows } : {}),
    });
    const base = out.endsWith('/') ? out : `${out}/`;
    for (const plan of plans) {
      const format = pickFormat(options.format) ?? plan.contract.format;
      const compression =
        (options.compression as Compression | undefined) ?? plan.contract.compression ?? 'none';
      targets.push({
        plan,
        format,
        compression,
        location: `${base}${syntheticKey(plan.contract, runId, format, compression)}`,
      });
    }
  } else {
    let contract: OutputContract;
    if (options.like !== undefined) {
      const learned = await learnTemplate(sourceOf(options.like), { seed });
      contract = learned.contract;
      exclusions = learned.exclusions;
      if (options.saveContract) writeFileSync(options.saveContract, contractYaml(contract));
    } else contract = parseContract(readFileSync(options.contract!, 'utf8'), options.contract!);
    const byName = formatFromExtension(out);
    const format =
      pickFormat(options.format) ??
      (byName.format && byName.format !== 'unknown' ? byName.format : contract.format);
    const compression =
      (options.compression as Compression | undefined) ??
      (byName.gzip ? 'gzip' : (contract.compression ?? 'none'));
    const plan = planTable(contract, {
      seed,
      violations,
      ...(rows !== undefined ? { rows } : {}),
      ...(exclusions ? { exclusions } : {}),
    });
    const location = out.endsWith('/') ? `${out}${syntheticKey(contract, runId, format, compression)}` : out;
    targets.push({ plan, format, compression, location });
  }

  // Everything is planned (and every impossible request refused) before the first byte is written.
  const registryTable = options.registryTable ?? process.env['PRT_REGISTRY_TABLE'];
  const registry = registryTable ? await registryOf(registryTable) : undefined;
  const results = [];
  for (const { plan, location, format, compression } of targets) {
    const sink = sinkOf(location, contentTypeOf(format, compression));
    const progress = new Progress(`generating ${location}`);
    const written = await writeGeneratedTable(plan, sink, {
      format,
      compression,
      ...(codec ? { parquetCodec: codec } : {}),
      onProgress: (r, bytes) => progress.update(bytes, r),
    });
    progress.done();
    let registered = false;
    if (isS3Uri(location) && registry) {
      const { bucket, key } = parseS3Uri(location);
      const result = (sink as { result?: { etag: string; versionId?: string; size: number } }).result;
      await registerSynthetic(
        registry,
        {
          bucket,
          key,
          versionId: result?.versionId ?? null,
          etag: result?.etag ?? '',
          size: result?.size ?? written.bytes,
        },
        {
          contract: plan.contract,
          runId,
          rows: written.rows,
          seed: plan.seed,
          format,
          violations: options.violate,
        },
        new Date(),
      );
      registered = true;
    }
    results.push({
      output: logicalName(plan.contract),
      location,
      format,
      compression,
      rows: written.rows,
      bytes: written.bytes,
      registered,
    });
  }
  if (options.json)
    console.log(JSON.stringify({ seed, runId, violations: options.violate, outputs: results }, null, 2));
  else {
    for (const r of results) {
      console.log(
        `${r.output} → ${r.location} (${r.format}${r.compression === 'gzip' ? ', gzip' : ''}): ${r.rows.toLocaleString('en-US')} rows, ${r.bytes.toLocaleString('en-US')} bytes${r.registered ? ', registered as synthetic' : ''}`,
      );
    }
    if (options.violate.length) console.log(`  violating ${options.violate.join(', ')} on purpose`);
  }
}

/** A contract as YAML in the file syntax (what --save-contract writes). */
function contractYaml(contract: OutputContract): string {
  return stringify({
    pipeline: contract.pipeline,
    step: contract.step,
    output: contract.output,
    path: contract.path,
    format: contract.format,
    schema: contract.schema.map((c) => ({ ...c, ...(c.length ? { length: [...c.length] } : {}) })),
  });
}

export function registerGenerateCommand(program: Command): void {
  // Subcommands own their options (`generate text --out x`): commander needs positional options on
  // every ancestor for that. The program has no options of its own besides --help, so nothing changes.
  program.enablePositionalOptions();
  const generate = program
    .command('generate')
    .description(
      "generate synthetic data: from a contract, a pipeline's contracts (keys agree), or a sample (--like); text and images",
    )
    .option('--contract <file>', 'contract of the output to generate')
    .option(
      '--contracts <dir>',
      'folder of contracts; with --pipeline, generates every output of the pipeline with agreeing keys',
    )
    .option('--pipeline <name>', 'pipeline whose outputs --contracts generates')
    .option(
      '--like <sample>',
      'learn types, null rates, ranges, categories, quantiles and shapes from a sample (file or s3://)',
    )
    .option('--rows <n>', 'rows per output (default 1000; a time series has one row per point)')
    .option('--seed <n>', 'seed: the same contract, seed and rows give byte-identical output', '1')
    .option('--out <path>', 'output file or s3:// URI; a folder or prefix (ending in /) for --contracts')
    .option(
      '--format <format>',
      `${DATA_FORMATS.join(', ')} (default: from --out's extension, else the contract's)`,
    )
    .option('--compression <none|gzip>', 'gzip text formats (default: from a .gz name, else the contract)')
    .option('--parquet-codec <codec>', 'snappy (default), zstd, gzip or uncompressed')
    .option(
      '--violate <rule[=rate]>',
      'break a rule or column constraint on purpose (rate default 0.1); repeatable',
      collect,
      [],
    )
    .option('--run-id <id>', 'fills {run_id} in contract paths (default synthetic-<seed>)')
    .option(
      '--registry-table <name>',
      'register S3 outputs as synthetic in this table (default $PRT_REGISTRY_TABLE)',
    )
    .option(
      '--save-contract <file>',
      'with --like: write the learned contract (with its generate hints) as YAML',
    )
    .option('--json', 'print the result as JSON')
    // `generate text --out x` and `generate images --out y` own their --out.
    .enablePositionalOptions()
    .action(async (options: TableOptions) => {
      try {
        await runTables(options);
      } catch (error) {
        fail(error);
      } finally {
        closeClients();
      }
    });

  generate
    .command('text')
    .description('text items from a template with {placeholders} or from a regular expression, one per line')
    .option('--template <text>', "template, e.g. 'Order {digits:6} for {first_name} in {city}'")
    .option('--pattern <regex>', "regular expression, e.g. '[A-Z]{3}-[0-9]{4}'")
    .option('--count <n>', 'items', '100')
    .option('--seed <n>', 'seed', '1')
    .requiredOption(
      '--out <path>',
      'output file (.txt: one item per line; .jsonl/.csv/.parquet...: a text column) or s3:// URI',
    )
    .action(
      async (options: { template?: string; pattern?: string; count: string; seed: string; out: string }) => {
        try {
          if ((options.template === undefined) === (options.pattern === undefined))
            throw new UsageError('give exactly one of --template or --pattern');
          const count = integer(options.count, '--count')!;
          if (count < 0) throw new GenerationError(`count must be >= 0 (got ${count})`, '--count');
          const seed = integer(options.seed, '--seed')!;
          const sample =
            options.template !== undefined
              ? compileTemplate(options.template, seed).sample
              : compilePattern(options.pattern!, undefined, '--pattern').sample;
          const rand = new CellRandom(hashText('text', seed));
          await prepareLocations([options.out]);
          const byName = formatFromExtension(options.out);
          if (byName.format && byName.format !== 'unknown') {
            const format = byName.format;
            const contract: OutputContract = {
              pipeline: 'synthetic',
              step: 'text',
              output: 'text',
              path: 'synthetic/text/',
              format,
              csv: { delimiter: ',', header: true },
              compatibility: 'compatible',
              inputs: [],
              allowExtraColumns: true,
              schema: [
                {
                  name: 'text',
                  type: 'string',
                  nullable: false,
                  ...(options.template !== undefined
                    ? { generate: { template: options.template } }
                    : { pattern: options.pattern! }),
                },
              ],
              quality: [],
            };
            const plan = planTable(contract, { rows: count, seed });
            const compression = byName.gzip ? 'gzip' : 'none';
            await writeGeneratedTable(plan, sinkOf(options.out, contentTypeOf(format, compression)), {
              format,
              compression,
            });
          } else {
            const sink = sinkOf(options.out, 'text/plain; charset=utf-8');
            try {
              let text = '';
              for (let i = 0; i < count; i++) {
                text += `${sample(rand.at(i)).replace(/\r?\n/g, ' ')}\n`;
                if (text.length > 1 << 20) {
                  await sink.write(Buffer.from(text));
                  text = '';
                }
              }
              await sink.write(Buffer.from(text));
              await sink.close();
            } catch (error) {
              await sink.abort();
              throw error;
            }
          }
          console.log(`${count.toLocaleString('en-US')} text items → ${options.out}`);
        } catch (error) {
          fail(error);
        } finally {
          closeClients();
        }
      },
    );

  generate
    .command('images')
    .description(
      'seeded images (noise, gradient, shapes) as PNG files and one .npy array (count, height, width, channels)',
    )
    .option('--width <n>', 'width in pixels', '64')
    .option('--height <n>', 'height in pixels', '64')
    .option('--channels <n>', '1 grey, 2 grey+alpha, 3 RGB, 4 RGBA', '3')
    .option('--count <n>', 'images', '10')
    .option('--kind <kind>', IMAGE_KINDS.join(', '), 'shapes')
    .option('--seed <n>', 'seed', '1')
    .option('--no-png', 'write only the .npy array')
    .option('--no-npy', 'write only the PNG files')
    .requiredOption('--out <dir>', 'output folder or s3:// prefix')
    .action(
      async (options: {
        width: string;
        height: string;
        channels: string;
        count: string;
        kind: string;
        seed: string;
        png: boolean;
        npy: boolean;
        out: string;
      }) => {
        try {
          const spec: ImageSpec = {
            width: integer(options.width, '--width')!,
            height: integer(options.height, '--height')!,
            channels: integer(options.channels, '--channels')! as ImageSpec['channels'],
            count: integer(options.count, '--count')!,
            kind: options.kind as ImageKind,
            seed: integer(options.seed, '--seed')!,
          };
          checkImageSpec(spec);
          const dir = options.out.endsWith('/') ? options.out : `${options.out}/`;
          await prepareLocations([dir]);
          const where = (name: string): string => (isS3Uri(dir) ? `${dir}${name}` : resolve(dir, name));
          const npy = options.npy ? sinkOf(where('images.npy'), 'application/octet-stream') : undefined;
          try {
            await npy?.write(npyHeader([spec.count, spec.height, spec.width, spec.channels]));
            for (let i = 0; i < spec.count; i++) {
              const pixels = renderImage(spec, i);
              if (options.png) {
                const png = sinkOf(where(`image-${String(i).padStart(5, '0')}.png`), 'image/png');
                await png.write(encodePng(pixels, spec.width, spec.height, spec.channels));
                await png.close();
              }
              await npy?.write(pixels);
            }
            await npy?.close();
          } catch (error) {
            await npy?.abort();
            throw error;
          }
          console.log(
            `${spec.count} ${spec.kind} images ${spec.width}×${spec.height}×${spec.channels} → ${dir}${options.png ? ' (PNG)' : ''}${options.npy ? ' images.npy' : ''}`,
          );
        } catch (error) {
          fail(error);
        } finally {
          closeClients();
        }
      },
    );
}
