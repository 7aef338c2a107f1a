/**
 * Drafts a data contract from a sample file (`prt infer`): reads it with openTable (any format,
 * plain or gzip, local or S3), takes declared types from typed formats (Parquet footer, Arrow
 * schema) and infers them from text otherwise, then drafts nullability, categories, patterns,
 * lengths, keys, range and completeness rules, with a comment explaining each.
 *
 * The whole file is read. A file of more than `sampleRows` rows is drafted from a seeded random
 * sample of that many rows drawn across all of it (reservoir sampling): a file sorted by time
 * would otherwise be described by its first rows only, and its later rows fail their own draft.
 * Nulls are counted in every row, so nullability and completeness are exact; a key is only
 * enforced when every row was seen (a sample cannot show the rest has no repeats).
 *
 * The draft is parsed back with parseContract before it is returned, so what a user gets always
 * loads; and every choice is made with the validator's own column codecs over every sampled value,
 * so the sample passes validation against its own draft. Memory is bounded: batches are dropped
 * as they are read, the sample by rows and bytes (DEFAULT_SAMPLE_BYTES), and distinct values are
 * tracked up to a budget.
 */
import { constants, gunzipSync } from 'node:zlib';
import {
  parseContract,
  type CsvOptions,
  type DataFormat,
  type OutputContract,
} from '../../../lambdas/core/contracts';
import { FormatError } from '../../../lambdas/core/errors';
import {
  arrowSchemaOf,
  type ByteSource,
  HEAD_BYTES,
  inspectSource,
  openTable,
  parquetSchemaOf,
  type InferredColumn,
  type ReaderLimits,
} from '../../../lambdas/core/formats';
import { renderContractYaml } from './contract-yaml';
import { declaredEncodings } from './declared-encodings';
import { inferColumn, type ColumnDraft, type DraftRule } from './infer-column';
import { DEFAULT_SAMPLE_BYTES, DEFAULT_SAMPLE_SEED, observeColumns } from './observe-columns';
import { sniffCsvDialect } from './sniff-csv-dialect';

export interface OutputName {
  readonly pipeline: string;
  readonly step: string;
  readonly output: string;
}

export interface InferContractOptions {
  /** Logical name; default pipeline/step/<file name>. */
  readonly name?: OutputName;
  /** Key template of the output; default from the S3 key, or pipelines/<pipeline>/{run_id}/<step>/<output>/. */
  readonly path?: string;
  /** Rows in the sample drawn across the file (Infinity: every row); default 100,000. */
  readonly sampleRows?: number;
  /** Seed of the sample; default DEFAULT_SAMPLE_SEED, so a file always drafts the same contract. */
  readonly sampleSeed?: number;
  /** Bound on the sample's estimated bytes; default DEFAULT_SAMPLE_BYTES. */
  readonly sampleBytes?: number;
  /** Most distinct values that make a column categorical; default 20. */
  readonly maxCategories?: number;
  /** Fewest values before a column with no repeats is proposed as unique; default 10. */
  readonly minValuesForUnique?: number;
  /** Distinct values tracked across all columns (memory bound); default 500,000. */
  readonly distinctBudget?: number;
  /** CSV dialect; the delimiter is sniffed from the first lines when absent. */
  readonly csv?: Partial<CsvOptions>;
  /** Format to assume when the content and name do not settle it. */
  readonly formatHint?: DataFormat;
  readonly onRows?: (rows: number) => void;
  /** Bounds the input is read within; each absent limit is its reader's default. */
  readonly readerLimits?: ReaderLimits;
}

export interface ContractDraft {
  /** The contract file, with comments. */
  readonly yaml: string;
  /** The same draft loaded with parseContract. */
  readonly contract: OutputContract;
  readonly columns: readonly ColumnDraft[];
  readonly rules: readonly DraftRule[];
  /** Rows the draft was inferred from (the sample). */
  readonly rowsSampled: number;
  /** Rows in the file (every one is read). */
  readonly rowsRead: number;
  /** True when the draft was inferred from every row; false for a sample. */
  readonly sampleComplete: boolean;
  readonly format: DataFormat;
  readonly compression: 'gzip' | 'none';
}

export const DEFAULT_SAMPLE_ROWS = 100_000;
const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

function nameFromFile(sourceName: string): string {
  const base = sourceName.split(/[/\\]/).pop() ?? '';
  const stem = base.replace(/(\.gz)?$/i, '').replace(/\.[A-Za-z0-9]+$/, '');
  const cleaned = stem.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^[.-]+/, '');
  return cleaned === '' ? 'output' : cleaned;
}

function defaultPath(sourceName: string, name: OutputName): { path: string; note: string } {
  const s3 = /^s3:\/\/[^/]+\/(.+)$/.exec(sourceName);
  if (s3) {
    const key = s3[1]!;
    const dir = key.includes('/') ? key.slice(0, key.lastIndexOf('/') + 1) : key;
    return {
      path: dir,
      note: 'the folder of the sample: replace run-specific segments with {placeholders} such as {run_id}',
    };
  }
  return {
    path: `pipelines/${name.pipeline}/{run_id}/${name.step}/${name.output}/`,
    note: 'where objects of this output land (a guess): {placeholders} match one key segment, a trailing / claims every key under it',
  };
}

async function headText(source: ByteSource): Promise<string> {
  const size = await source.size();
  let head = size === 0 ? new Uint8Array() : await source.readRange(0, HEAD_BYTES);
  if (head[0] === 0x1f && head[1] === 0x8b) {
    try {
      head = gunzipSync(head, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: HEAD_BYTES * 16 });
    } catch {
      head = new Uint8Array();
    }
  }
  return Buffer.from(head)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
}

async function declaredTypes(
  source: ByteSource,
  format: DataFormat,
  gzip: boolean,
): Promise<Map<string, InferredColumn>> {
  let columns: InferredColumn[] = [];
  if (format === 'parquet') columns = await parquetSchemaOf(source);
  else if (format === 'arrow' && !gzip) columns = await arrowSchemaOf(source);
  return new Map(columns.map((c) => [c.name, c]));
}

/**
 * @example
 * const draft = await inferContract(fileSource('orders.csv'), { name: { pipeline: 'sales', step: 'prep', output: 'orders' } });
 * await writeFile('contracts/sales-prep-orders.yaml', draft.yaml);
 */
export async function inferContract(
  source: ByteSource,
  options: InferContractOptions = {},
): Promise<ContractDraft> {
  const name: OutputName = options.name ?? {
    pipeline: 'pipeline',
    step: 'step',
    output: nameFromFile(source.name),
  };
  for (const [key, value] of Object.entries(name) as [string, string][]) {
    if (!NAME.test(value)) throw new RangeError(`${key} '${value}' must be a name (letters, digits, _ . -)`);
  }
  const detection = await inspectSource(source);
  const gzip = detection.compression === 'gzip';
  const isCsv =
    detection.source !== 'magic' &&
    (detection.format === 'csv' || (detection.format === 'unknown' && options.formatHint === 'csv'));
  let csv: CsvOptions | undefined;
  let columnNames: string[] | undefined;
  if (isCsv) {
    const header = options.csv?.header ?? true;
    const dialect = sniffCsvDialect(await headText(source), options.csv?.delimiter);
    csv = { delimiter: dialect.delimiter, header };
    if (!header) columnNames = Array.from({ length: dialect.fields }, (_, i) => `column_${i + 1}`);
  }
  const opened = await openTable(source, {
    ...options.readerLimits,
    ...(options.formatHint ? { formatHint: options.formatHint } : {}),
    ...(csv ? { csv } : {}),
    ...(columnNames ? { columns: columnNames } : {}),
  });
  const declared = await declaredTypes(source, opened.format, gzip);
  const encodings = await declaredEncodings(source, opened.format, gzip);
  const observed = await observeColumns(opened.batches, {
    sampleRows: options.sampleRows ?? DEFAULT_SAMPLE_ROWS,
    seed: options.sampleSeed ?? DEFAULT_SAMPLE_SEED,
    ...(options.sampleBytes !== undefined ? { sampleBytes: options.sampleBytes } : {}),
    ...(options.distinctBudget !== undefined ? { distinctBudget: options.distinctBudget } : {}),
    ...(options.onRows ? { onRows: options.onRows } : {}),
  });
  if (observed.names.length === 0)
    throw new FormatError(`${source.name} has no columns to draft a contract from`);

  const ruleNames = new Set<string>();
  const columns: ColumnDraft[] = [];
  const skipped: string[] = [];
  for (const column of observed.names) {
    if (column === '') {
      skipped.push(
        'a column without a name was left out (a contract cannot name it); it is read as an extra column',
      );
      continue;
    }
    columns.push(
      inferColumn(column, observed.observers.get(column)!, declared.get(column), {
        maxCategories: options.maxCategories ?? 20,
        minValuesForUnique: options.minValuesForUnique ?? 10,
        rows: observed.rows,
        whole: { rows: observed.totalRows, nulls: observed.nulls.get(column) ?? 0 },
        ruleNames,
        maxDistinct: observed.maxDistinct,
        ...(encodings.has(column) ? { encoding: encodings.get(column)! } : {}),
      }),
    );
  }
  if (columns.length === 0)
    throw new FormatError(`${source.name} has no named columns to draft a contract from`);
  const rules = columns.flatMap((c) => c.rules);
  const { path, note } =
    options.path !== undefined
      ? { path: options.path, note: 'key template of this output' }
      : defaultPath(source.name, name);
  const count = (n: number): string => n.toLocaleString('en-US');
  const sampled = observed.complete
    ? `all ${count(observed.rows)} rows`
    : `a random sample of ${count(observed.rows)} of its ${count(observed.totalRows)} rows, drawn across the whole file (seed ${options.sampleSeed ?? DEFAULT_SAMPLE_SEED})`;
  const sampleNote = observed.complete
    ? []
    : [
        `Types, categories, patterns and lengths describe the sample: a value seen only in rows not sampled may break them. Nulls were counted in all ${count(observed.totalRows)} rows.${
          observed.sampleShrunk
            ? ` The sample was cut to ${count(observed.rows)} rows to stay within ${count(options.sampleBytes ?? DEFAULT_SAMPLE_BYTES)} bytes.`
            : ''
        }`,
      ];
  const yaml = renderContractYaml({
    header: [
      `Draft contract by \`prt infer\` from ${source.name} (${opened.format}${gzip ? ', gzip' : ''}; ${sampled}).`,
      ...sampleNote,
      'Check every choice before relying on it: it describes the sample, not the rules of the data.',
      "Each column's `enforced:` line lists what its entry checks; commented lines under a column (range, length, unique) are suggestions: uncomment to enforce.",
      'Check it with `prt contract check <file>`.',
      'yaml-language-server: $schema=../docs/contract.schema.json',
    ],
    ...name,
    path,
    pathNote: note,
    nameGuessed: options.name === undefined,
    format: opened.format,
    ...(gzip ? { compression: 'gzip' as const } : {}),
    ...(csv ? { csv } : {}),
    columns,
    rules,
    skipped,
  });
  const contract = parseContract(yaml, `draft of ${source.name}`);
  return {
    yaml,
    contract,
    columns,
    rules,
    rowsSampled: observed.rows,
    rowsRead: observed.totalRows,
    sampleComplete: observed.complete,
    format: opened.format,
    compression: gzip ? 'gzip' : 'none',
  };
}
