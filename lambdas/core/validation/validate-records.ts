/**
 * The validation engine. One streaming pass over record batches builds a ValidationState: per
 * column mergeable metrics (lambdas/core/metrics), counters of every row-level check (the schema's
 * column constraints and the quality rules), and uniqueness keys. States of partitions validated
 * separately merge into the state of one pass; `finish` turns a state into the report: graded
 * schema compatibility per column, rule outcomes against thresholds, dataset-level rules
 * (timeliness, distribution) and column profiles. Every failing row is handed to `onFailedRow`
 * (not a sample), so the caller can quarantine all of them without this engine holding them.
 */
import {
  COMPATIBILITY_LEVELS,
  DATASET_CONDITIONS,
  logicalName,
  type ColumnType,
  type CompatibilityLevel,
  type OutputContract,
  type QualityRule,
} from '../contracts/output-contract';
import { ColumnMapping } from '../formats/column-mapping';
import type { RawCell, RecordBatch } from '../formats/record-batch';
import {
  columnCodec,
  NOT_CONFORMING,
  timestampCountParser,
  type ColumnCodec,
  type TypedValue,
} from '../contracts/typed-values';
import {
  ColumnMetrics,
  DEFAULT_EXACT_DISTINCT_BOUND,
  type ColumnMetricsJson,
} from '../metrics/column-metrics';
import { HyperLogLog } from '../metrics/hyperloglog';
import { compileRowChecks, type CheckKernel, type RowCheck } from './row-checks';
import { columnBatchOf, rawCellOf, type ColumnBatch } from '../formats/column-batch';
import { ContractError } from '../errors';
import {
  CELL_NOT_CONFORMING,
  CELL_NULL,
  newScannedColumn,
  scanAbsentColumn,
  scanColumn,
  scannedValue,
  TAG_BAD,
  TAG_NULL,
  TAG_NUMBER,
  type ScannedColumn,
  type ScanTarget,
} from './column-scan';
import { evaluateDatasetRule } from './dataset-rules';
import { gradeStoredType, typeText } from '../contracts/contract-diff';
import { storedTypeOf, type StoredTypes } from './stored-types';
import type { ColumnProfile } from '../metrics/column-profile';
import type {
  ColumnReport,
  FailedRow,
  RuleResult,
  ValidationReport,
  ValidationStatus,
} from './validation-report';

export const DEFAULT_UNIQUE_KEY_BOUND = 2_000_000;

export interface ValidateOptions {
  readonly onFailedRow?: (row: FailedRow) => void | Promise<void>;
  /** Distinct values a column profile keeps exactly before estimating (default 10,000). */
  readonly exactDistinctBound?: number;
  /** Keys a uniqueness check keeps exactly before estimating duplicates (default 2,000,000). */
  readonly uniqueKeyBound?: number;
  /** Canonical values of referenced columns, by rule name (exists_in), loaded by the caller. */
  readonly referenceSets?: ReadonlyMap<string, ReadonlySet<string>>;
  /** Sorted reference samples, by rule name (ks_test), loaded by the caller. */
  readonly referenceSamples?: ReadonlyMap<string, readonly number[]>;
  /** Clock for timeliness rules. */
  readonly now?: () => Date;
}

interface Example {
  row: number;
  value: string | null;
}

export interface ValidationStateJson {
  readonly rowCount: number;
  readonly failedRowCount: number;
  /** Absent in states stored before it was counted: their failed rows count as error rows. */
  readonly warnOnlyRowCount?: number;
  readonly present: readonly boolean[];
  readonly seenColumns: readonly string[];
  readonly examples: readonly (Example | null)[];
  readonly columns: readonly ColumnMetricsJson[];
  readonly checks: readonly {
    readonly name: string;
    readonly evaluated: number;
    readonly passed: number;
    readonly keys?: { readonly set: readonly string[] | null; readonly hll: string | null };
  }[];
}

function show(raw: RawCell): string {
  const text = typeof raw === 'string' ? raw : String(raw);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/**
 * Types and measures one column of a batch: metrics get every cell in row order, status and
 * flagged mark the findings, `out` (when a row check reads the column) gets the typed values.
 * Returns the first row with a finding, -1 when none. One function per kind of column, each its
 * own function literal so V8 keeps per-kind feedback and inlines its parse and metric calls.
 */
type ColumnScan = (
  rows: RecordBatch['rows'],
  at: number,
  n: number,
  metrics: ColumnMetrics,
  codec: ColumnCodec,
  out: TypedValue[] | null,
  status: Uint8Array,
  base: number,
  flagged: Uint8Array,
  present: boolean,
  nullable: boolean,
) => number;

function scanFor(type: ColumnType): ColumnScan {
  switch (type) {
    case 'int32':
    case 'int64':
    case 'float32':
    case 'float64':
      return scanNumbers;
    case 'string':
      return scanStrings;
    case 'timestamp':
      return scanTimestamps;
    default:
      return scanAny;
  }
}

/** A column missing from this batch: every cell is null. */
function scanAbsent(
  n: number,
  metrics: ColumnMetrics,
  out: TypedValue[] | null,
  status: Uint8Array,
  base: number,
  flagged: Uint8Array,
  present: boolean,
  nullable: boolean,
): number {
  if (out) out.fill(null);
  if (!present) return -1;
  for (let r = 0; r < n; r++) metrics.addNull();
  if (nullable || n === 0) return -1;
  status.fill(CELL_NULL, base, base + n);
  flagged.fill(1);
  return 0;
}

const scanAny: ColumnScan = (rows, at, n, metrics, codec, out, status, base, flagged, present, nullable) => {
  let first = -1;
  for (let r = 0; r < n; r++) {
    const raw = rows[r]![at] ?? null;
    let v: TypedValue | typeof NOT_CONFORMING = null;
    if (raw === null) {
      if (present) {
        metrics.addNull();
        if (!nullable) {
          status[base + r] = CELL_NULL;
          flagged[r] = 1;
          if (first < 0) first = r;
        }
      }
    } else {
      v = codec.parse(raw);
      if (v === NOT_CONFORMING) {
        v = null;
        metrics.addNonConforming();
        status[base + r] = CELL_NOT_CONFORMING;
        flagged[r] = 1;
        if (first < 0) first = r;
      } else metrics.add(v);
    }
    if (out) out[r] = v;
  }
  return first;
};

const scanNumbers: ColumnScan = (
  rows,
  at,
  n,
  metrics,
  codec,
  out,
  status,
  base,
  flagged,
  present,
  nullable,
) => {
  let first = -1;
  for (let r = 0; r < n; r++) {
    const raw = rows[r]![at] ?? null;
    let v: TypedValue | typeof NOT_CONFORMING = null;
    if (raw === null) {
      if (present) {
        metrics.addNull();
        if (!nullable) {
          status[base + r] = CELL_NULL;
          flagged[r] = 1;
          if (first < 0) first = r;
        }
      }
    } else {
      v = codec.parse(raw);
      if (v === NOT_CONFORMING) {
        v = null;
        metrics.addNonConforming();
        status[base + r] = CELL_NOT_CONFORMING;
        flagged[r] = 1;
        if (first < 0) first = r;
      } else if (typeof v === 'number') metrics.addNumber(v);
      else metrics.add(v); // int64 beyond 2^53: a bigint
    }
    if (out) out[r] = v;
  }
  return first;
};

const scanStrings: ColumnScan = (
  rows,
  at,
  n,
  metrics,
  _codec,
  out,
  status,
  base,
  flagged,
  present,
  nullable,
) => {
  let first = -1;
  for (let r = 0; r < n; r++) {
    const raw = rows[r]![at] ?? null;
    let v: string | null = null;
    if (raw === null) {
      if (present) {
        metrics.addNull();
        if (!nullable) {
          status[base + r] = CELL_NULL;
          flagged[r] = 1;
          if (first < 0) first = r;
        }
      }
    } else if (typeof raw === 'string') {
      // The string codec's parse: text is the value, anything else does not conform.
      v = raw;
      metrics.addString(v);
    } else {
      metrics.addNonConforming();
      status[base + r] = CELL_NOT_CONFORMING;
      flagged[r] = 1;
      if (first < 0) first = r;
    }
    if (out) out[r] = v;
  }
  return first;
};

const scanTimestamps: ColumnScan = (
  rows,
  at,
  n,
  metrics,
  codec,
  out,
  status,
  base,
  flagged,
  present,
  nullable,
) => {
  // Counts that are safe integers stay numbers (no BigInt per cell unless a check reads the
  // column); their min/max is folded in once per batch, which is the same since order does
  // not change a minimum. Anything else takes the codec's parse and metrics.add as usual.
  const count = timestampCounter(codec);
  let lo = Infinity;
  let hi = -Infinity;
  let first = -1;
  for (let r = 0; r < n; r++) {
    const raw = rows[r]![at] ?? null;
    let v: TypedValue | typeof NOT_CONFORMING = null;
    if (raw === null) {
      if (present) {
        metrics.addNull();
        if (!nullable) {
          status[base + r] = CELL_NULL;
          flagged[r] = 1;
          if (first < 0) first = r;
        }
      }
    } else {
      const c = typeof raw === 'string' ? count(raw) : NaN;
      if (c === c) {
        metrics.addTimestampCount(c);
        if (c < lo) lo = c;
        if (c > hi) hi = c;
        if (out) out[r] = BigInt(c);
        continue;
      }
      v = codec.parse(raw);
      if (v === NOT_CONFORMING) {
        v = null;
        metrics.addNonConforming();
        status[base + r] = CELL_NOT_CONFORMING;
        flagged[r] = 1;
        if (first < 0) first = r;
      } else metrics.add(v);
    }
    if (out) out[r] = v;
  }
  if (lo <= hi) metrics.foldRange(BigInt(lo), BigInt(hi));
  return first;
};

/** The timestamp count parser of a codec's column, made once per codec. */
const TIMESTAMP_COUNTERS = new WeakMap<ColumnCodec, (text: string) => number>();
function timestampCounter(codec: ColumnCodec): (text: string) => number {
  let count = TIMESTAMP_COUNTERS.get(codec);
  if (!count) TIMESTAMP_COUNTERS.set(codec, (count = timestampCountParser(codec.column)));
  return count;
}

/**
 * A check over one column, as a loop over its values (see RowCheck.kernel): each row's outcome
 * (0 not evaluated, 1 pass, 2 fail) goes to `result`, a failing row is marked in `failing`, and
 * the check's counters are added in the same loop rather than by a second pass over `result`.
 */
function runKernel(
  kernel: CheckKernel,
  check: RowCheck,
  column: ScannedColumn,
  present: boolean,
  n: number,
  result: Uint8Array,
  failing: Uint8Array,
): void {
  const tags = column.tags;
  let evaluated = 0;
  let passed = 0;
  if (kernel.kind !== 'value') {
    if (!present) return;
    // not_null: a value that is present but not of the column's type is not null (type_conforms
    // judges it); type_conforms: nulls do not count.
    const notNull = kernel.kind === 'not_null';
    for (let r = 0; r < n; r++) {
      const tag = tags[r];
      if (tag === TAG_NULL) {
        if (!notNull) continue;
      } else if (notNull || tag !== TAG_BAD) {
        result[r] = 1;
        evaluated++;
        passed++;
        continue;
      }
      result[r] = 2;
      evaluated++;
      failing[r] = 1;
    }
  } else {
    const test = kernel.test;
    const num = column.num;
    const other = column.other;
    // A comparison's numbers are compared here, not handed to `test` (a call and a boxed double
    // each); bounds that admit everything (the unset side) are the same comparisons as `test`'s.
    const bounds = kernel.bounds;
    const inline = bounds !== undefined;
    const lo = bounds ? bounds.lo : 0;
    const hi = bounds ? bounds.hi : 0;
    const loOpen = bounds ? bounds.loOpen : false;
    const hiOpen = bounds ? bounds.hiOpen : false;
    for (let r = 0; r < n; r++) {
      const tag = tags[r];
      if (tag === TAG_NULL || tag === TAG_BAD) continue;
      evaluated++;
      let ok: boolean;
      if (tag === TAG_NUMBER) {
        const v = num[r]!;
        ok = inline ? (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi) : test(v);
      } else ok = test(other[r]!);
      if (ok) {
        result[r] = 1;
        passed++;
      } else {
        result[r] = 2;
        failing[r] = 1;
      }
    }
  }
  check.evaluated += evaluated;
  check.passed += passed;
}

/** A check over several columns (expressions, composite keys), row by row with the row context. */
function runRowTest(
  check: RowCheck,
  scanned: readonly (ScannedColumn | null)[],
  status: Uint8Array,
  present: readonly boolean[],
  width: number,
  n: number,
  result: Uint8Array,
): void {
  const typed: TypedValue[] = new Array<TypedValue>(width).fill(null);
  const conforms: boolean[] = new Array<boolean>(width).fill(true);
  const context = { typed, conforms, present };
  const reads = check.reads;
  for (let r = 0; r < n; r++) {
    for (const i of reads) {
      typed[i] = scannedValue(scanned[i]!, r);
      conforms[i] = status[i * n + r] !== CELL_NOT_CONFORMING;
    }
    const ok = check.test(context);
    if (ok !== undefined) result[r] = ok ? 1 : 2;
  }
}

function worst(a: CompatibilityLevel, b: CompatibilityLevel): CompatibilityLevel {
  return COMPATIBILITY_LEVELS.indexOf(a) >= COMPATIBILITY_LEVELS.indexOf(b) ? a : b;
}

export class ValidationState {
  rowCount = 0;
  failedRowCount = 0;
  /** Failed rows whose broken checks are all warn-severity rules. */
  warnOnlyRowCount = 0;
  readonly present: boolean[];
  private seenColumns: string[] = [];
  /** seenColumns as a Set: Array.includes per column made a 100,000-column header take 30 s. */
  private readonly seenColumnSet = new Set<string>();
  readonly examples: (Example | null)[];
  readonly columns: ColumnMetrics[];
  readonly checks: RowCheck[];
  private readonly codecs: ColumnCodec[];
  private readonly mapping: ColumnMapping;
  /** Per column, the loop that types and measures its cells (by type, see scanFor). */
  private readonly scans: ColumnScan[];
  /** Per column, whether a row check reads it; and those columns in order. */
  private readonly checkReads: boolean[];
  /** Typed values of the last batch per column, reused by the next batch of the same length. */
  private readonly scanned: (ScannedColumn | undefined)[] = [];
  /** Per column, whether a check reads its values (not only whether a cell holds one). */
  private readonly valueReads: boolean[];
  private readonly readColumns: number[];
  /** The last batch's findings and outcomes, reused by the next batch that fits (batchBuffers). */
  private buffers:
    { status: Uint8Array; flagged: Uint8Array; failing: Uint8Array; outcomes: Uint8Array[] } | undefined;

  constructor(
    readonly contract: OutputContract,
    private readonly options: ValidateOptions = {},
  ) {
    const bound = options.exactDistinctBound ?? DEFAULT_EXACT_DISTINCT_BOUND;
    this.codecs = contract.schema.map(columnCodec);
    this.columns = contract.schema.map((c) => new ColumnMetrics(c, bound));
    this.present = contract.schema.map(() => false);
    this.examples = contract.schema.map(() => null);
    this.mapping = new ColumnMapping(contract.schema);
    this.checks = compileRowChecks(contract, this.codecs, {
      uniqueBound: options.uniqueKeyBound ?? DEFAULT_UNIQUE_KEY_BOUND,
      ...(options.referenceSets ? { referenceSets: options.referenceSets } : {}),
    });
    this.scans = contract.schema.map((c) => scanFor(c.type));
    this.checkReads = contract.schema.map((_, i) => this.checks.some((c) => c.reads.includes(i)));
    this.valueReads = contract.schema.map((_, i) =>
      this.checks.some((c) => c.reads.includes(i) && (c.kernel === undefined || c.kernel.kind === 'value')),
    );
    this.readColumns = contract.schema.flatMap((_, i) => (this.checkReads[i] ? [i] : []));
  }

  /** Adds a batch of rows (the readers that do not yield columns yet): the columnar engine's state. */
  async add(batch: RecordBatch): Promise<void> {
    await this.addColumns(columnBatchOf(batch));
  }

  /**
   * The row engine, kept as the reference the columnar engine is compared with (the differential
   * tests run both over the same batches); nothing else calls it.
   */
  async addRows(batch: RecordBatch): Promise<void> {
    const schema = this.contract.schema;
    const width = schema.length;
    if (this.mapping.update(batch.columns)) {
      this.mapping.indexOf.forEach((at, i) => (this.present[i] ||= at >= 0));
      for (const c of batch.columns) this.see(c);
    }
    const indexOf = this.mapping.indexOf;
    const rows = batch.rows;
    const n = rows.length;
    const firstRow = batch.firstRow;
    const present = this.present;
    const readColumns = this.readColumns;

    // Column by column first: each column's cells are typed and measured by a loop specialised
    // for its type, so the parse and metric calls in it see one kind of value (V8 inlines them)
    // instead of every column's through one call site. A column's metrics still see its values
    // in row order, so the state is the row-by-row one. What a row needs afterwards is kept per
    // cell: its finding (status, CELL_*), whether the row has any (flagged), and the typed values
    // of the columns the row checks read.
    const status = new Uint8Array(width * n);
    const flagged = new Uint8Array(n);
    const values: (TypedValue[] | null)[] = [];
    for (let i = 0; i < width; i++) {
      const out = this.checkReads[i] ? new Array<TypedValue>(n) : null;
      values.push(out);
      const at = indexOf[i]!;
      const metrics = this.columns[i]!;
      const nullable = schema[i]!.nullable;
      const base = i * n;
      let first: number;
      if (at < 0) first = scanAbsent(n, metrics, out, status, base, flagged, present[i]!, nullable);
      else {
        const scan = this.scans[i]!;
        first = scan(
          rows,
          at,
          n,
          metrics,
          this.codecs[i]!,
          out,
          status,
          base,
          flagged,
          present[i]!,
          nullable,
        );
      }
      if (first >= 0 && !this.examples[i]) {
        const raw = status[base + first] === CELL_NULL ? null : rows[first]![at]!;
        this.examples[i] = { row: firstRow + first, value: raw === null ? null : show(raw) };
      }
    }

    // Then row by row: the findings of the columns in schema order, then the row checks in
    // order, which read the row's typed values and conformance from a context filled per row.
    const typed: TypedValue[] = new Array<TypedValue>(width).fill(null);
    const conforms: boolean[] = new Array<boolean>(width).fill(true);
    const context = { typed, conforms, present };
    const checks = this.checks;
    const checkCount = checks.length;
    const onFailedRow = this.options.onFailedRow;
    for (let r = 0; r < n; r++) {
      this.rowCount++;
      let broke: string[] | undefined;
      // A schema finding or a constraint is an error; a rule is what its severity says.
      let brokeError = flagged[r] === 1;
      if (flagged[r] === 1) {
        broke = [];
        for (let i = 0; i < width; i++) {
          const finding = status[i * n + r];
          if (finding === CELL_NULL) broke.push(`${schema[i]!.name}: null in a non-nullable column`);
          else if (finding === CELL_NOT_CONFORMING) {
            broke.push(`${schema[i]!.name}: '${show(rows[r]![indexOf[i]!]!)}' is not ${schema[i]!.type}`);
          }
        }
      }
      if (checkCount > 0) {
        for (let k = 0; k < readColumns.length; k++) {
          const i = readColumns[k]!;
          typed[i] = values[i]![r] as TypedValue;
          conforms[i] = status[i * n + r] !== CELL_NOT_CONFORMING;
        }
        for (let k = 0; k < checkCount; k++) {
          const check = checks[k]!;
          const ok = check.test(context);
          if (ok === undefined) continue;
          check.evaluated++;
          if (ok) check.passed++;
          else {
            (broke ??= []).push(check.name);
            if (check.rule?.severity !== 'warn') brokeError = true;
          }
        }
      }
      if (broke) {
        this.failedRowCount++;
        if (!brokeError) this.warnOnlyRowCount++;
        if (onFailedRow) {
          const row = rows[r]!;
          // Null prototype: a column named `__proto__` is a key like any other, not the prototype.
          const cells = Object.create(null) as Record<string, string | null>;
          batch.columns.forEach((name, k) => {
            const raw = row[k] ?? null;
            cells[name] = raw === null ? null : String(raw);
          });
          await onFailedRow({ row: firstRow + r, values: cells, broke });
        }
      }
    }
  }

  /**
   * The columnar engine: the same state as `add` over the same rows (the row engine is kept beside
   * it while their results are compared), from a batch of column vectors. Each column is typed and
   * measured by a loop over its vector (column-scan.ts); each check runs as a loop over the values
   * of the column it reads, into a per-row outcome (0 not evaluated, 1 pass, 2 fail); checks over
   * several columns take the row context. Rows are assembled only for those that failed.
   */
  async addColumns(batch: ColumnBatch): Promise<void> {
    const schema = this.contract.schema;
    const width = schema.length;
    if (this.mapping.update(batch.columns)) {
      this.mapping.indexOf.forEach((at, i) => (this.present[i] ||= at >= 0));
      for (const c of batch.columns) this.see(c);
    }
    const indexOf = this.mapping.indexOf;
    const n = batch.length;
    const firstRow = batch.firstRow;
    const present = this.present;

    const checks = this.checks;
    const { status, flagged, failing, outcomes } = this.batchBuffers(width, n, checks.length);
    const scanned: (ScannedColumn | null)[] = [];
    for (let i = 0; i < width; i++) {
      const out = this.checkReads[i] ? this.scannedColumn(i, n) : null;
      scanned.push(out);
      const at = indexOf[i]!;
      const target: ScanTarget = {
        column: schema[i]!,
        codec: this.codecs[i]!,
        metrics: this.columns[i]!,
        out,
        values: this.valueReads[i]!,
        status,
        base: i * n,
        flagged,
        present: present[i]!,
        nullable: schema[i]!.nullable,
      };
      const vector = at < 0 ? null : batch.vectors[at];
      if (at >= 0 && !vector)
        throw new ContractError(`column ${schema[i]!.name} was not read, but the contract names it`);
      const first = vector ? scanColumn(vector, n, target) : scanAbsentColumn(n, target);
      if (first >= 0 && !this.examples[i]) {
        const raw = status[i * n + first] === CELL_NULL || !vector ? null : rawCellOf(vector, first);
        this.examples[i] = { row: firstRow + first, value: raw === null ? null : show(raw) };
      }
    }

    // The checks, one at a time over the batch: a check's counters and keys see its rows in order,
    // as in the row engine, and no check reads another's state.
    failing.set(flagged.subarray(0, n));
    for (let k = 0; k < checks.length; k++) {
      const check = checks[k]!;
      const result = outcomes[k]!;
      const kernel = check.kernel;
      if (kernel)
        runKernel(kernel, check, scanned[kernel.column]!, present[kernel.column]!, n, result, failing);
      else {
        runRowTest(check, scanned, status, present, width, n, result);
        let evaluated = 0;
        let passed = 0;
        for (let r = 0; r < n; r++) {
          const o = result[r]!;
          if (o === 0) continue;
          evaluated++;
          if (o === 1) passed++;
          else failing[r] = 1;
        }
        check.evaluated += evaluated;
        check.passed += passed;
      }
    }

    this.rowCount += n;
    const onFailedRow = this.options.onFailedRow;
    for (let r = 0; r < n; r++) {
      if (failing[r] === 0) continue;
      const broke: string[] = [];
      // A schema finding or a constraint is an error; a rule is what its severity says.
      let brokeError = flagged[r] === 1;
      if (flagged[r] === 1) {
        for (let i = 0; i < width; i++) {
          const finding = status[i * n + r];
          if (finding === CELL_NULL) broke.push(`${schema[i]!.name}: null in a non-nullable column`);
          else if (finding === CELL_NOT_CONFORMING) {
            const raw = rawCellOf(batch.vectors[indexOf[i]!]!, r);
            broke.push(`${schema[i]!.name}: '${show(raw ?? '')}' is not ${schema[i]!.type}`);
          }
        }
      }
      for (let k = 0; k < checks.length; k++) {
        if (outcomes[k]![r] !== 2) continue;
        const check = checks[k]!;
        broke.push(check.name);
        if (check.rule?.severity !== 'warn') brokeError = true;
      }
      this.failedRowCount++;
      if (!brokeError) this.warnOnlyRowCount++;
      if (onFailedRow) {
        // Null prototype: a column named `__proto__` is a key like any other, not the prototype.
        const cells = Object.create(null) as Record<string, string | null>;
        // A column that was not read (not in the contract, from a format that skips columns) is
        // left out of the row rather than shown as a null it may not be.
        batch.columns.forEach((name, k) => {
          const vector = batch.vectors[k];
          if (!vector) return;
          const raw = rawCellOf(vector, r);
          cells[name] = raw === null ? null : String(raw);
        });
        await onFailedRow({ row: firstRow + r, values: cells, broke });
      }
    }
  }

  /**
   * Column i's typed values for a batch of n rows: the previous arrays when they hold at least n
   * rows (a CSV's batches are all as long but the last; a Parquet file's row groups differ by a
   * few hundred rows), so a 122,880-row batch does not allocate and collect about 2 MB per column
   * read by a check. Every reader of a scanned column stops at the batch's n rows, and a value is
   * read only where its tag says one was written for this batch, so only the first n tags need
   * clearing. The arrays stay the size of the largest batch so far, as each batch's were.
   */
  private scannedColumn(i: number, n: number): ScannedColumn {
    const kept = this.scanned[i];
    if (kept && kept.tags.length >= n) {
      kept.tags.fill(TAG_NULL, 0, n);
      return kept;
    }
    const fresh = newScannedColumn(n);
    this.scanned[i] = fresh;
    return fresh;
  }

  /**
   * The per-batch findings and outcomes for a batch of n rows, cleared: a cell's finding per column
   * (status, column-major at i * n + r), whether a row has a finding (flagged) or fails anything
   * (failing), and one outcome per check. Kept from batch to batch like the scanned columns, so a
   * 10,000-row batch does not allocate and collect width + 2 + checks arrays; readers stop at the
   * batch's n rows (status at width * n). Bound: (width + 2 + checks) bytes per row of the largest
   * batch so far.
   */
  private batchBuffers(
    width: number,
    n: number,
    checks: number,
  ): { status: Uint8Array; flagged: Uint8Array; failing: Uint8Array; outcomes: Uint8Array[] } {
    let b = this.buffers;
    if (!b || b.flagged.length < n) {
      b = {
        status: new Uint8Array(width * n),
        flagged: new Uint8Array(n),
        failing: new Uint8Array(n),
        outcomes: Array.from({ length: checks }, () => new Uint8Array(n)),
      };
      this.buffers = b;
      return b;
    }
    b.status.fill(0, 0, width * n);
    b.flagged.fill(0, 0, n);
    for (const o of b.outcomes) o.fill(0, 0, n);
    return b;
  }

  private see(column: string): void {
    if (this.seenColumnSet.has(column)) return;
    this.seenColumnSet.add(column);
    this.seenColumns.push(column);
  }

  /** Folds another partition's state into this one. */
  merge(other: ValidationState): void {
    this.rowCount += other.rowCount;
    this.failedRowCount += other.failedRowCount;
    this.warnOnlyRowCount += other.warnOnlyRowCount;
    other.present.forEach((p, i) => (this.present[i] ||= p));
    for (const c of other.seenColumns) this.see(c);
    other.examples.forEach((e, i) => {
      if (!this.examples[i] && e)
        this.examples[i] = { row: e.row + this.rowCount - other.rowCount, value: e.value };
    });
    this.columns.forEach((m, i) => m.merge(other.columns[i]!));
    this.checks.forEach((c, i) => {
      const o = other.checks[i]!;
      c.evaluated += o.evaluated;
      c.passed += o.passed;
      if (c.keys && o.keys) c.keys.merge(o.keys);
    });
  }

  toJSON(): ValidationStateJson {
    return {
      rowCount: this.rowCount,
      failedRowCount: this.failedRowCount,
      warnOnlyRowCount: this.warnOnlyRowCount,
      present: this.present,
      seenColumns: this.seenColumns,
      examples: this.examples,
      columns: this.columns.map((c) => c.toJSON()),
      checks: this.checks.map((c) => ({
        name: c.name,
        evaluated: c.evaluated,
        passed: c.passed,
        ...(c.keys
          ? { keys: { set: c.keys.set ? [...c.keys.set] : null, hll: c.keys.hll?.toJSON() ?? null } }
          : {}),
      })),
    };
  }

  static fromJSON(
    contract: OutputContract,
    json: ValidationStateJson,
    options: ValidateOptions = {},
  ): ValidationState {
    const s = new ValidationState(contract, options);
    const bound = options.exactDistinctBound ?? DEFAULT_EXACT_DISTINCT_BOUND;
    s.rowCount = json.rowCount;
    s.failedRowCount = json.failedRowCount;
    s.warnOnlyRowCount = json.warnOnlyRowCount ?? 0;
    json.present.forEach((p, i) => (s.present[i] = p));
    for (const c of json.seenColumns) s.see(c);
    json.examples.forEach((e, i) => (s.examples[i] = e));
    json.columns.forEach((c, i) => (s.columns[i] = ColumnMetrics.fromJSON(contract.schema[i]!, c, bound)));
    json.checks.forEach((c, i) => {
      const check = s.checks[i]!;
      check.evaluated = c.evaluated;
      check.passed = c.passed;
      if (check.keys && c.keys) {
        check.keys.set = c.keys.set ? new Set(c.keys.set) : null;
        check.keys.hll = c.keys.hll ? HyperLogLog.fromJSON(c.keys.hll) : null;
      }
    });
    return s;
  }

  /**
   * The report. `stored` (a typed file's declared types and value fits) grades each column by the
   * type the file declares as well as by its values: int32 stored for an int64 column is
   * compatible, int64 stored for an int32 one convertible while every value fits.
   */
  finish(stored?: StoredTypes): ValidationReport {
    const contract = this.contract;
    const schema = contract.schema;
    const columns: ColumnReport[] = schema.map((col, i) => {
      const m = this.columns[i]!;
      const declared = this.present[i] ? stored?.columns.get(col.name) : undefined;
      const fits = declared ? stored?.fits.get(col.name) : undefined;
      const grade = declared
        ? gradeStoredType(
            declared,
            col,
            fits?.find((f) => f.to === typeText(col)),
          )
        : undefined;
      const typeChange =
        declared && grade && grade.level !== 'strict'
          ? `${typeText(declared)} read as ${typeText(col)}${grade.misfit ? `: ${grade.misfit}` : ''}`
          : undefined;
      const base = {
        name: col.name,
        expectedType: col.type,
        nulls: m.nulls,
        nonConforming: m.nonConforming,
        ...(declared ? { stored: storedTypeOf(declared) } : {}),
        ...(fits && fits.length > 0 ? { fits } : {}),
        ...(typeChange ? { typeChange } : {}),
      };
      const example = this.examples[i] ? { example: this.examples[i] } : {};
      if (!this.present[i]) {
        return col.nullable
          ? {
              ...base,
              finding: 'missing',
              level: 'convertible',
              castPlan: `add ${col.name} filled with nulls`,
            }
          : { ...base, finding: 'missing', level: 'incompatible' };
      }
      if (m.nonConforming > 0 || grade?.level === 'incompatible')
        return { ...base, ...example, finding: 'type_mismatch', level: 'incompatible' };
      if (!col.nullable && m.nulls > 0) {
        return {
          ...base,
          ...example,
          finding: 'unexpected_nulls',
          level: 'convertible',
          castPlan: `declare ${col.name} nullable, or fill its ${m.nulls} nulls`,
        };
      }
      if (grade && grade.level !== 'strict')
        return {
          ...base,
          finding: 'stored_type',
          level: grade.level,
          ...(grade.castPlan ? { castPlan: grade.castPlan } : {}),
        };
      return { ...base, finding: 'ok', level: 'strict' };
    });
    const declared = new Set(schema.map((c) => c.name));
    for (const name of this.seenColumns) {
      if (!declared.has(name)) {
        columns.push({
          name,
          expectedType: null,
          finding: 'extra',
          level: contract.allowExtraColumns ? 'compatible' : 'incompatible',
          nulls: 0,
          nonConforming: 0,
        });
      }
    }
    const level = columns.reduce<CompatibilityLevel>((acc, c) => worst(acc, c.level), 'strict');
    const schemaAccepted =
      COMPATIBILITY_LEVELS.indexOf(level) <= COMPATIBILITY_LEVELS.indexOf(contract.compatibility);

    const fieldIndex = new Map(schema.map((c, i) => [c.name, i]));
    const unevaluatedRules = new Set<string>();
    const checkResult = (check: RowCheck, rule: QualityRule | undefined): RuleResult => {
      // Uniqueness: the passing rows are the distinct keys, exactly as one pass would count them.
      const passed = check.keys ? Math.min(check.evaluated, check.keys.distinct) : check.passed;
      const missing = rule?.field !== undefined && !this.present[fieldIndex.get(rule.field)!];
      // A quality rule that judged none of the output's rows says so and warns (or fails, as the
      // contract chooses) rather than passing at 100% on nothing; an output with no rows is reported
      // as such and passes. Schema constraints judge non-null values only: nulls are `nullable`'s.
      const unevaluated = rule !== undefined && !missing && check.evaluated === 0 && this.rowCount > 0;
      if (unevaluated) unevaluatedRules.add(rule.name);
      const passRate = check.evaluated === 0 ? (missing || unevaluated ? 0 : 1) : passed / check.evaluated;
      const threshold = rule?.threshold ?? 1;
      const note =
        check.keys && !check.keys.exact
          ? `duplicates estimated (HyperLogLog, ±${(HyperLogLog.relativeError * 100).toFixed(2)}%)`
          : unevaluated
            ? `evaluated none of ${this.rowCount} rows (every value null, absent or unknown)`
            : rule !== undefined && this.rowCount === 0
              ? 'no rows'
              : undefined;
      return {
        name: check.name,
        type: rule?.type ?? 'constraint',
        field: rule?.field ?? schema[check.column ?? 0]?.name ?? '',
        ...(rule ? { condition: rule.condition } : {}),
        ...(check.constraint ? { constraint: check.constraint } : {}),
        threshold,
        severity: unevaluated && rule.onUnevaluated !== 'fail' ? 'warn' : (rule?.severity ?? 'error'),
        evaluated: check.evaluated,
        passed,
        failed: check.evaluated - passed,
        passRate,
        outcome: passRate >= threshold && !missing ? 'pass' : 'fail',
        ...(note ? { note } : missing ? { note: `column ${rule.field} is missing` } : {}),
      };
    };
    const byName = new Map(this.checks.map((c) => [c.name, c]));
    const rules: RuleResult[] = [
      ...this.checks.filter((c) => c.kind === 'constraint').map((c) => checkResult(c, undefined)),
      ...contract.quality.map((rule) => {
        if ((DATASET_CONDITIONS as readonly string[]).includes(rule.condition.kind)) {
          const ci = fieldIndex.get(rule.field!)!;
          return evaluateDatasetRule(rule, this.columns[ci]!, this.present[ci]!, {
            now: (this.options.now ?? (() => new Date()))(),
            reference: this.options.referenceSamples?.get(rule.name),
          });
        }
        return checkResult(byName.get(rule.name)!, rule);
      }),
    ];
    const failedRules = rules.filter((r) => r.outcome === 'fail');
    let status: ValidationStatus = 'passed';
    if (!schemaAccepted || failedRules.some((r) => r.severity === 'error')) status = 'failed';
    else if (failedRules.length > 0) status = 'warned';

    const parts: string[] = [];
    if (!schemaAccepted) {
      const bad = columns.filter(
        (c) => COMPATIBILITY_LEVELS.indexOf(c.level) > COMPATIBILITY_LEVELS.indexOf(contract.compatibility),
      );
      parts.push(
        `schema ${level} (accepts ${contract.compatibility}): ${bad.map((c) => `${c.name} ${c.finding}${c.typeChange ? ` (${c.typeChange})` : ''}`).join(', ')}`,
      );
    }
    for (const r of failedRules) {
      parts.push(
        unevaluatedRules.has(r.name) && r.note !== undefined
          ? `${r.name} ${r.note} (${r.severity})`
          : `${r.name} ${(r.passRate * 100).toFixed(2)}% < ${(r.threshold * 100).toFixed(2)}% (${r.severity})`,
      );
    }
    return {
      output: logicalName(contract),
      status,
      rowCount: this.rowCount,
      schema: { level, accepted: contract.compatibility, columns },
      rules,
      failedRules: [...(schemaAccepted ? [] : ['schema_compatibility']), ...failedRules.map((r) => r.name)],
      failedRowCount: this.failedRowCount,
      warnOnlyRowCount: this.warnOnlyRowCount,
      summary: `${status.toUpperCase()}: ${this.rowCount} rows${parts.length ? `; ${parts.join('; ')}` : ''}`,
      profile: this.columns.map((m, i) => this.withUniqueDistinct(m.profile(), i)),
    };
  }

  /**
   * A column's distinct count is a HyperLogLog estimate past the profile's exact bound (10,000
   * values by default), but a uniqueness check on that column alone keeps its keys exactly up to
   * `uniqueKeyBound` (2,000,000). When that check stayed exact and found no duplicate, every value
   * it saw is distinct: the exact figure is its evaluated count, and the estimate is replaced by it.
   */
  private withUniqueDistinct(profile: ColumnProfile, column: number): ColumnProfile {
    if (profile.distinct.exact) return profile;
    const held = this.checks.find(
      (c) =>
        c.keys?.exact === true &&
        c.reads.length === 1 &&
        c.reads[0] === column &&
        c.evaluated > 0 &&
        c.keys.distinct === c.evaluated,
    );
    return held
      ? { ...profile, distinct: { value: held.evaluated, exact: true, relativeError: 0 } }
      : profile;
  }
}

export async function validateRecords(
  contract: OutputContract,
  batches: AsyncIterable<RecordBatch>,
  options: ValidateOptions = {},
): Promise<ValidationReport> {
  const state = new ValidationState(contract, options);
  for await (const batch of batches) await state.add(batch);
  return state.finish();
}

/** validateRecords over column batches (the columnar readers). */
export async function validateColumns(
  contract: OutputContract,
  batches: AsyncIterable<ColumnBatch>,
  options: ValidateOptions = {},
): Promise<ValidationReport> {
  const state = new ValidationState(contract, options);
  for await (const batch of batches) await state.addColumns(batch);
  return state.finish();
}
