/**
 * One column's cells: the value generator, the null layer and any violations, as a pure function
 * of the key (row, or time-series point). Building a plan checks that the request is possible and
 * tries the first values (and the first violating values), so an impossible request fails here,
 * before the writer has written a byte.
 */
import { generateHints, type GenerateHints } from '../contracts/contract-schema';
import type { ColumnSpec, QualityRule } from '../contracts/output-contract';
import { formatDate, type TypedValue } from '../contracts/typed-values';
import { bindFill, type ColumnFill } from './batch-fill';
import { CellRandom, hashText, Permutation } from './cell-random';
import { GenerationError } from './generation-error';
import {
  columnDomain,
  isIntegerType,
  rangeDomain,
  ruleDomain,
  typeLimits,
  type Domain,
  type IntDomain,
  type RealDomain,
} from './numeric-domain';
import { compilePattern, MAX_LENGTH, type PatternGenerator } from './regex-generator';
import { buildValueGenerator, type GeneratorContext, type ValueGenerator } from './value-generators';
import { rulesOn, valueChecks, type Value, type ValueCheck } from './value-checks';
import type { Violation } from './violations';

/** Attempts per cell when values are filtered against checks. */
const MAX_ATTEMPTS = 64;
/** Cells tried at plan time to prove a filtered generator finds values. */
const TRIAL_CELLS = 64;

export interface ColumnPlan {
  readonly column: ColumnSpec;
  readonly hints: GenerateHints;
  /**
   * The value at a key, or null. Decimals and timestamps may come as numbers (the fast
   * representation, exact because they are safe integers); TablePlan.batches gives BigInts.
   */
  readonly cell: (key: number) => TypedValue;
  /** The value at a key ignoring nulls and violations (what a foreign key refers to). */
  readonly base: (key: number) => Value;
  /** Whether the key's cell is null by the null layer. */
  readonly isNull: (key: number) => boolean;
  /**
   * The cells of a batch of keys in one call, where every cell is a plain draw or a null of the
   * null layer (no violations, no filtering) and the generator has a fill: the same as `cell`.
   */
  readonly fill?: ColumnFill;
}

/** The column's hints, typed (contracts built in code are checked here too). */
export function hintsOf(column: ColumnSpec): GenerateHints {
  const parsed = generateHints.safeParse(column.generate ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new GenerationError(`generate.${issue.path.join('.')}: ${issue.message}`, column.name);
  }
  return parsed.data;
}

function nullRateOf(column: ColumnSpec, hints: GenerateHints, quality: readonly QualityRule[]): number {
  const rate = hints.null_rate ?? 0;
  if (rate === 0) return 0;
  if (!column.nullable) throw new GenerationError(`null_rate ${rate} on a non-nullable column`, column.name);
  const notNull = quality.find((r) => r.field === column.name && r.condition.kind === 'not_null');
  if (notNull)
    throw new GenerationError(
      `null_rate ${rate} conflicts with rule ${notNull.name} (not_null)`,
      column.name,
    );
  return rate;
}

/** Draws a value passing `checks` (filtered generators retry from the same cell stream). */
function drawer(
  column: ColumnSpec,
  gen: ValueGenerator,
  checks: readonly ValueCheck[],
  seedKey: number,
  filter: boolean,
): (key: number) => Value {
  const rand = new CellRandom(seedKey);
  const perValue = checks.filter((c) => c.kind !== 'unique');
  if ((gen.exact && !filter) || perValue.length === 0) return (key) => gen.draw(rand.at(key), key);
  return (key) => {
    rand.at(key);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const v = gen.draw(rand, key);
      if (perValue.every((c) => c.test(v))) return v;
      if (gen.unique) break;
    }
    throw new GenerationError(
      `no generated value passes ${perValue.map((c) => c.name).join(', ')} (row ${key + 1}); loosen the constraints or give a pattern`,
      column.name,
    );
  };
}

interface ViolationPlan {
  readonly selects: (key: number) => boolean;
  readonly value: (key: number) => TypedValue;
}

/** Values just outside a numeric check's interval, inside every other bound. */
function outsideValues(
  column: ColumnSpec,
  violation: Violation,
  quality: readonly QualityRule[],
  unique: boolean,
  emit: (o: bigint) => Value,
): ((rand: CellRandom, index: number) => Value) | undefined {
  const target: Domain | undefined = violation.rule
    ? ruleDomain(column, violation.rule)
    : violation.check.endsWith('.range')
      ? rangeDomain(column)
      : undefined;
  if (!target) return undefined;
  let relaxed: Domain;
  try {
    relaxed = columnDomain(column, rulesOn(column, quality), new Set([violation.check]));
  } catch {
    return undefined;
  }
  if (target.kind === 'int') {
    const r = relaxed as IntDomain;
    const width = target.hi - target.lo + 1n > 10n ? target.hi - target.lo + 1n : 10n;
    const below =
      target.lo > r.lo
        ? ([target.lo - width > r.lo ? target.lo - width : r.lo, target.lo - 1n] as const)
        : undefined;
    const above =
      target.hi < r.hi
        ? ([target.hi + 1n, target.hi + width < r.hi ? target.hi + width : r.hi] as const)
        : undefined;
    if (!below && !above) return undefined;
    return (rand, index) => {
      const side = below && above ? (rand.next() < 0.5 ? below : above) : (below ?? above)!;
      if (unique)
        return side === below ? emit(target.lo - 1n - BigInt(index)) : emit(target.hi + 1n + BigInt(index));
      const span = Number(side[1] - side[0] + 1n);
      return emit(side[0] + BigInt(rand.below(Math.max(1, span))));
    };
  }
  const t = target;
  const r = relaxed as RealDomain;
  const limits = typeLimits(column) as RealDomain;
  const width =
    Number.isFinite(t.hi - t.lo) && t.hi > t.lo ? t.hi - t.lo : Math.max(1, Math.abs(t.lo), Math.abs(t.hi));
  const canBelow = t.lo > r.lo && t.lo > limits.lo;
  const canAbove = t.hi < r.hi && t.hi < limits.hi;
  if (!canBelow && !canAbove) return undefined;
  const round = column.type === 'float32' ? Math.fround : (x: number) => x;
  return (rand, index) => {
    const below = canBelow && (!canAbove || rand.next() < 0.5);
    const u = unique ? (index + 1) / (index + 2) : rand.next();
    const x = below ? Math.max(r.lo, t.lo - width * (0.01 + u)) : Math.min(r.hi, t.hi + width * (0.01 + u));
    return round(x);
  };
}

function violationPlan(
  violation: Violation,
  plan: {
    column: ColumnSpec;
    hints: GenerateHints;
    ctx: GeneratorContext;
    checks: readonly ValueCheck[];
    base: (key: number) => Value;
    isNull: (key: number) => boolean;
    unique: boolean;
  },
): ViolationPlan {
  const { column, ctx } = plan;
  const keys = ctx.keys;
  const count = Math.min(keys, Math.round(violation.rate * keys));
  const perm = new Permutation(Math.max(1, keys), hashText(`violate#${violation.target}`, ctx.seed));
  const selects = (key: number): boolean => perm.apply(key) < count;
  if (violation.kind === 'null') return { selects, value: () => null };
  if (violation.kind === 'unique') {
    const rest = keys - count;
    if (rest < 1)
      throw new GenerationError(
        `breaking uniqueness needs rows that keep their value; rate ${violation.rate} leaves none`,
        violation.target,
      );
    return {
      selects,
      value(key) {
        const p = perm.apply(key);
        for (let j = 0; j < Math.min(rest, 64); j++) {
          const source = perm.invert(count + ((p + j) % rest));
          if (!plan.isNull(source)) return plan.base(source);
        }
        return plan.base(perm.invert(count + (p % rest)));
      },
    };
  }
  const target = plan.checks.find((c) => c.name === violation.check);
  if (!target)
    throw new GenerationError(`column ${column.name} has no check ${violation.check}`, violation.target);
  const others = plan.checks.filter((c) => c !== target && c.kind !== 'unique');
  const rand = new CellRandom(hashText(`violate-value#${violation.target}`, ctx.seed));
  const emit = isIntegerType(column) ? emitOrdinal(column) : undefined;
  const outside =
    emit || column.type === 'float32' || column.type === 'float64'
      ? outsideValues(column, violation, ctx.quality, plan.unique, emit ?? ((o) => Number(o)))
      : undefined;
  let relaxed: ValueGenerator | undefined;
  const relaxedGen = (): ValueGenerator =>
    (relaxed ??= buildValueGenerator(column, plan.hints, ctx, new Set([violation.check])));
  const lengths =
    target.kind === 'length' || target.kind === 'length_between' ? outsideLengths(column, violation) : [];
  const candidates = (key: number, attempt: number): Value => {
    if (outside) return outside(rand, perm.apply(key));
    if (lengths.length > 0 && attempt % 2 === 0) return lengths[rand.below(lengths.length)]!.sample(rand);
    const normal = plan.base(key);
    if (typeof normal === 'string' && attempt % 2 === 1) {
      const mutations = [
        `${normal}#`,
        `#${normal}`,
        normal.slice(0, -1),
        `${normal}${normal}`,
        `${normal}~${attempt}`,
      ];
      return mutations[(attempt >> 1) % mutations.length]!;
    }
    return relaxedGen().draw(rand, key * 131 + attempt);
  };
  return {
    selects,
    value(key) {
      rand.at(key);
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const v = candidates(key, attempt);
        if (!target.test(v) && others.every((c) => c.test(v))) return v;
      }
      throw new GenerationError(
        `cannot break ${violation.check} without breaking ${others.map((c) => c.name).join(', ') || 'the column type'}`,
        violation.target,
      );
    },
  };
}

/** Pattern generators (the column's pattern, else letters) for lengths just outside a length check. */
function outsideLengths(column: ColumnSpec, violation: Violation): PatternGenerator[] {
  const c = violation.rule?.condition;
  const [lo, hi] = c?.kind === 'length_between' ? [c.min, c.max] : (column.length ?? [0, MAX_LENGTH]);
  const out: PatternGenerator[] = [];
  for (const length of [lo - 1, hi + 1]) {
    if (length < 0 || length > MAX_LENGTH) continue;
    try {
      out.push(compilePattern(column.pattern ?? `[a-z]{0,${MAX_LENGTH}}`, [length, length]));
    } catch {
      // the pattern cannot produce this length: the other side may
    }
  }
  return out;
}

function emitOrdinal(column: ColumnSpec): (o: bigint) => Value {
  const safe = BigInt(Number.MAX_SAFE_INTEGER);
  switch (column.type) {
    case 'int32':
      return (o) => Number(o);
    case 'int64':
      return (o) => (o >= -safe && o <= safe ? Number(o) : o);
    case 'date':
      return (o) => formatDate(Number(o));
    default:
      return (o) => o;
  }
}

/**
 * Plans a column. `violations` are those targeting this column. Throws a GenerationError naming
 * the column when the request is impossible.
 */
export function planColumn(
  column: ColumnSpec,
  ctx: GeneratorContext,
  violations: readonly Violation[] = [],
  hintsOverride?: GenerateHints,
  /** Further checks every value must pass (values learned from a sample that must not be copied). */
  extraChecks: readonly ValueCheck[] = [],
): ColumnPlan {
  const hints = hintsOverride ?? hintsOf(column);
  const checks = [...valueChecks(column, ctx.quality), ...extraChecks];
  const nullRate = nullRateOf(column, hints, ctx.quality);
  const gen = buildValueGenerator(column, hints, ctx);
  const seedKey = hashText(column.name, ctx.seed);
  const filter = extraChecks.length > 0;
  const base = drawer(column, gen, checks, seedKey, filter);
  const nullRand = new CellRandom(hashText(`${column.name}#null`, ctx.seed));
  // A rule reading this column must evaluate something (a rule that evaluated nothing warns), so
  // the first row of such a column is never null: generated data exercises every rule it is for.
  const ruled = ctx.quality.some((r) => r.field === column.name);
  const isNull =
    nullRate === 0
      ? () => false
      : (key: number) => !(ruled && key === 0) && nullRand.at(key).next() < nullRate;
  const vplans = violations.map((v) =>
    violationPlan(v, { column, hints, ctx, checks, base, isNull, unique: gen.unique }),
  );

  const cell =
    vplans.length === 0
      ? nullRate === 0
        ? base
        : (key: number): TypedValue => (isNull(key) ? null : base(key))
      : (key: number): TypedValue => {
          for (const v of vplans) if (v.selects(key)) return v.value(key);
          return isNull(key) ? null : base(key);
        };

  // Prove the plan on its first cells, before anything is written.
  const trial = Math.min(ctx.keys, TRIAL_CELLS);
  for (let key = 0; key < trial; key++) base(key);
  for (const v of vplans) {
    let tried = 0;
    for (let key = 0; key < ctx.keys && tried < 8; key++) {
      if (v.selects(key)) {
        v.value(key);
        tried++;
      }
    }
  }
  // The fill draws as the drawer's unfiltered path does: from the column's stream at each key.
  const plain = vplans.length === 0 && ((gen.exact && !filter) || checks.every((c) => c.kind === 'unique'));
  const fill =
    plain && gen.fill
      ? bindFill(gen.fill, new CellRandom(seedKey), nullRate === 0 ? undefined : isNull)
      : undefined;
  return { column, hints, cell, base, isNull, ...(fill ? { fill } : {}) };
}
