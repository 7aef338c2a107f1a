/**
 * A generation plan for one output: every column's cells as functions of the key, the keys that
 * become rows, and the schema written (the contract's, plus an `anomaly` column when a time
 * series injects anomalies and the contract declares no label column). Planning does all the
 * checking; iterating the plan only computes values, batch by batch, so memory stays flat.
 *
 * @example
 * const plan = planTable(contract, { rows: 1_000_000, seed: 42 });
 * for (const columns of plan.batches(65_536)) ... // columns[c][r]: typed values
 */
import type { ColumnSpec, OutputContract } from '../contracts/output-contract';
import { logicalName } from '../contracts/output-contract';
import type { TypedValue } from '../contracts/typed-values';
import { CellRandom, hashText, Permutation } from './cell-random';
import { hintsOf, planColumn, type ColumnPlan } from './column-plan';
import { GenerationError } from './generation-error';
import { isMetric, seriesAxis, seriesMetric, type SeriesAxis } from './time-series';
import { isUniqueColumn, toExact, valueChecks, type Value, type ValueCheck } from './value-checks';
import { resolveViolations, type ViolationRequest } from './violations';

/** Rows one call may ask for: far beyond any test file, well inside the 2^52 the permutations cover. */
export const MAX_ROWS = 10_000_000_000;
export const DEFAULT_ROWS = 1000;

/** An upstream column a key column draws its values from. */
export interface KeyReference {
  readonly plan: ColumnPlan;
  /** Rows of the upstream output: values come from rows [0, rows). */
  readonly rows: number;
  /** `pipeline/step/output.column`, for messages. */
  readonly name: string;
  /**
   * Whether the upstream rows hold distinct values (the column is unique there, by constraint or
   * rule): only then can a unique key column draw distinct values from it, one row each.
   */
  readonly distinct?: boolean;
}

export interface PlanOptions {
  /** Rows to generate (ignored, and forbidden, for a time series: its range sets the points). */
  readonly rows?: number;
  readonly seed: number;
  readonly violations?: readonly ViolationRequest[];
  /** Key columns drawn from upstream outputs, by column name. */
  readonly references?: ReadonlyMap<string, KeyReference>;
  /** Hashes (hashText) of values a column must never produce: a sample's personal data. */
  readonly exclusions?: ReadonlyMap<string, ReadonlySet<number>>;
}

export interface TablePlan {
  readonly contract: OutputContract;
  /** Columns written, in order. */
  readonly schema: readonly ColumnSpec[];
  /** Keys iterated (rows, or series points before gaps). */
  readonly keys: number;
  /** Rows written: keys minus series gaps. */
  readonly rows: number;
  readonly seed: number;
  readonly columns: readonly ColumnPlan[];
  readonly axis?: SeriesAxis;
  /** Keys that are not rows (time-series gaps); undefined when every key is a row. */
  readonly skip?: (key: number) => boolean;
  /** Columnar batches of at most `size` rows. */
  batches(size?: number): Generator<TypedValue[][]>;
}

export function checkRows(rows: number): void {
  if (!Number.isSafeInteger(rows) || rows < 0)
    throw new GenerationError(`row count must be a whole number >= 0 (got ${rows})`, '--rows');
  if (rows > MAX_ROWS) throw new GenerationError(`row count ${rows} exceeds ${MAX_ROWS}`, '--rows');
}

function referencePlan(
  column: ColumnSpec,
  ref: KeyReference,
  seed: number,
  quality: OutputContract['quality'],
  keys: number,
): ColumnPlan {
  if (ref.plan.column.type !== column.type) {
    throw new GenerationError(
      `references ${ref.name} of type ${ref.plan.column.type}, not ${column.type}`,
      column.name,
    );
  }
  if (ref.rows < 1) throw new GenerationError(`references ${ref.name}, which has no rows`, column.name);
  const hints = hintsOf(column);
  const checks = valueChecks(column, quality).filter((c) => c.kind !== 'unique');
  const unique = isUniqueColumn(column, quality);
  const rand = new CellRandom(hashText(`${column.name}#ref`, seed));
  const nullRand = new CellRandom(hashText(`${column.name}#null`, seed));
  const nullRate = column.nullable ? (hints.null_rate ?? 0) : 0;
  const isNull = (key: number): boolean => nullRate > 0 && nullRand.at(key).next() < nullRate;
  if (unique) {
    // A unique key drawn from upstream takes each upstream row at most once (a permutation of the
    // upstream rows), so its values are distinct when the upstream's are; drawn with replacement,
    // a third of 1,000 keys from 1,000 rows repeat and the output fails its own contract.
    if (!ref.distinct)
      throw new GenerationError(
        `is unique, but ${ref.name} is not: its values cannot be drawn without repeats (make that column unique, or drop the reference)`,
        column.name,
      );
    if (keys > ref.rows)
      throw new GenerationError(
        `is unique and drawn from ${ref.name}, which has ${ref.rows} rows; ${keys} rows would repeat keys (generate at most ${ref.rows} rows here, or more upstream)`,
        column.name,
      );
    const order = new Permutation(ref.rows, hashText(`${column.name}#ref-order`, seed));
    const base = (key: number): Value => {
      const row = order.apply(key);
      const v = ref.plan.cell(row);
      if (v === null || !checks.every((c) => c.test(v)))
        throw new GenerationError(
          `row ${row} of ${ref.name} holds ${v === null ? 'null' : 'a value'} that ${v === null ? 'a unique key cannot take' : `fails ${checks.map((c) => c.name).join(', ')}`}`,
          column.name,
        );
      return v;
    };
    for (let k = 0; k < Math.min(16, keys); k++) base(k);
    return { column, hints, base, isNull, cell: (key) => (isNull(key) ? null : base(key)) };
  }
  const base = (key: number): Value => {
    rand.at(key);
    for (let attempt = 0; attempt < 64; attempt++) {
      const v = ref.plan.cell(rand.below(ref.rows));
      if (v !== null && checks.every((c) => c.test(v))) return v;
    }
    throw new GenerationError(
      `no value of ${ref.name} passes ${checks.map((c) => c.name).join(', ')}`,
      column.name,
    );
  };
  for (let k = 0; k < 16; k++) base(k);
  return { column, hints, base, isNull, cell: (key) => (isNull(key) ? null : base(key)) };
}

/** Plans the generation of one output. Every impossible request throws here, with nothing written. */
export function planTable(contract: OutputContract, options: PlanOptions): TablePlan {
  const { seed } = options;
  if (!Number.isSafeInteger(seed))
    throw new GenerationError(`seed must be an integer (got ${seed})`, '--seed');
  const hints = contract.schema.map(hintsOf);
  const axisIndex = hints.findIndex((h) => h.series !== undefined);
  if (hints.filter((h) => h.series !== undefined).length > 1)
    throw new GenerationError('only one column can be the series axis', logicalName(contract));
  const axis = axisIndex >= 0 ? seriesAxis(contract.schema[axisIndex]!, hints[axisIndex]!, seed) : undefined;
  let keys: number;
  if (axis) {
    if (options.rows !== undefined) {
      throw new GenerationError(
        `a time series has one row per point (${axis.points} from its start, end and frequency); drop --rows`,
        axis.column.name,
      );
    }
    keys = axis.points;
  } else {
    keys = options.rows ?? DEFAULT_ROWS;
    checkRows(keys);
  }

  let schema: ColumnSpec[] = [...contract.schema];
  let labelIndex = hints.findIndex((h) => h.kind === 'anomaly_label');
  if (axis?.anomalies.active && labelIndex < 0) {
    if (!contract.allowExtraColumns) {
      throw new GenerationError(
        'anomalies are labelled in an extra column, which allow_extra_columns: false rejects; declare { name: anomaly, type: string, generate: { kind: anomaly_label } }',
        logicalName(contract),
      );
    }
    schema = [...schema, { name: 'anomaly', type: 'string', nullable: true }];
    labelIndex = schema.length - 1;
  }
  if (labelIndex >= 0 && !axis)
    throw new GenerationError('kind anomaly_label needs a series axis column', schema[labelIndex]!.name);
  if (labelIndex >= 0 && (schema[labelIndex]!.type !== 'string' || !schema[labelIndex]!.nullable)) {
    throw new GenerationError('the anomaly label column must be a nullable string', schema[labelIndex]!.name);
  }

  const violations = resolveViolations(contract, options.violations ?? []);
  const ctx = { seed, keys, quality: contract.quality };
  const columns: ColumnPlan[] = schema.map((column, i) => {
    const h = i < hints.length ? hints[i]! : {};
    const mine = violations.filter((v) => v.column.name === column.name);
    if (axis && i === axisIndex) {
      if (mine.length) throw new GenerationError('the series axis cannot be violated', column.name);
      const base = (p: number): Value => axis.value(p) as Value;
      return { column, hints: h, base, isNull: () => false, cell: base };
    }
    if (axis && i === labelIndex) {
      const cell = (p: number): TypedValue => axis.anomalies.label(p);
      return { column, hints: h, base: (p) => cell(p) ?? '', isNull: (p) => cell(p) === null, cell };
    }
    if (axis && isMetric(h)) {
      if (mine.length)
        throw new GenerationError(
          'violations of series metrics are not supported; violate a plain column',
          column.name,
        );
      const metric = seriesMetric(column, h, axis, contract.quality, seed);
      return { column, hints: h, base: (p) => metric(p) as Value, isNull: () => false, cell: metric };
    }
    const ref = options.references?.get(column.name);
    if (ref) {
      if (mine.length)
        throw new GenerationError(
          'violations of key columns drawn from upstream are not supported',
          column.name,
        );
      return referencePlan(column, ref, seed, contract.quality, keys);
    }
    const excluded = options.exclusions?.get(column.name);
    const extra: ValueCheck[] = excluded
      ? [
          {
            name: `${column.name}.not_copied`,
            kind: 'other',
            test: (v) => !excluded.has(hashText(String(v))),
          },
        ]
      : [];
    return planColumn(column, ctx, mine, h, extra);
  });

  const gaps = axis?.anomalies.active ? axis.anomalies : undefined;
  let rows = keys;
  if (gaps) for (let p = 0; p < keys; p++) if (gaps.isGap(p)) rows--;

  return {
    contract,
    schema,
    keys,
    rows,
    seed,
    columns,
    ...(axis ? { axis } : {}),
    ...(gaps ? { skip: (key: number) => gaps.isGap(key) } : {}),
    *batches(size = 8192) {
      const width = columns.length;
      const exact = schema.map(toExact);
      let key = 0;
      while (key < keys) {
        const out: TypedValue[][] = Array.from({ length: width }, () => []);
        let n = 0;
        for (; key < keys && n < size; key++) {
          if (gaps?.isGap(key)) continue;
          for (let c = 0; c < width; c++) {
            const v = columns[c]!.cell(key);
            const fix = exact[c];
            out[c]!.push(fix ? fix(v) : v);
          }
          n++;
        }
        if (n > 0) yield out;
      }
    },
  };
}
