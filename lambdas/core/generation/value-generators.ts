/**
 * Builds the generator of one column's non-null values from its type, constraints, quality rules
 * and `generate` hints. Constraints are met by construction wherever possible: numbers are drawn
 * inside the intersection of every bound (numeric-domain.ts), unique values come from a
 * permutation of the domain indexed by row (never a Set), strings from a compiled pattern that
 * honours the length bounds exactly. Where construction cannot guarantee a check (a `matches` rule
 * on top of a pattern, a template under a length bound), values are filtered against the column's
 * checks, and a plan-time trial proves the filter finds values before anything is written.
 */
import type { GenerateHints } from '../contracts/contract-schema';
import type { ColumnSpec, QualityRule } from '../contracts/output-contract';
import { columnCodec, formatDate, NOT_CONFORMING, parseTimestamp } from '../contracts/typed-values';
import type { BatchFill } from './batch-fill';
import { hashText, mix32, Permutation, type CellRandom } from './cell-random';
import { Categorical, samplerOf } from './distributions';
import { GenerationError } from './generation-error';
import {
  columnDomain,
  contains,
  isIntegerType,
  ordinalOf,
  typeLimits,
  type IntDomain,
  type RealDomain,
} from './numeric-domain';
import { compilePattern, MAX_LENGTH } from './regex-generator';
import { indexedSemantic, kindFromName, semanticPool, type SemanticKind } from './semantic-pools';
import { compileTemplate } from './text-template';
import { isUniqueColumn, rulesOn, valueChecks, type Value, type ValueCheck } from './value-checks';

export interface GeneratorContext {
  readonly seed: number;
  /** Rows (or time-series points) the column is generated for: unique values need that many. */
  readonly keys: number;
  readonly quality: readonly QualityRule[];
}

export interface ValueGenerator {
  /** A non-null value for `key`; `rand` is positioned on the key and may be drawn from freely. */
  draw(rand: CellRandom, key: number): Value;
  /** Every value passes every (kept) check by construction, so no filtering is needed. */
  readonly exact: boolean;
  /** Values depend on the key only, and distinct keys give distinct values. */
  readonly unique: boolean;
  /** The same values as `draw`, a batch of keys at a time, where the column's values allow it. */
  readonly fill?: BatchFill;
}

const DEFAULT_INT_WIDTH = 10_000n;
const DEFAULT_DATES = ['2024-01-01', '2024-12-31'] as const;
const DEFAULT_TIMESTAMPS = ['2024-01-01T00:00:00Z', '2024-12-31T23:59:59.999Z'] as const;
const UNIT_PER_MS = { ms: 1n, us: 1000n, ns: 1_000_000n } as const;
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a > 0n === b > 0n ? q + 1n : q;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** Typed value from an ordinal (unscaled decimal, day number, unit count, integer). */
function emitterOf(column: ColumnSpec): (n: bigint) => Value {
  switch (column.type) {
    case 'int32':
      return (n) => Number(n);
    case 'int64':
      return (n) => (n >= -SAFE && n <= SAFE ? Number(n) : n);
    case 'date':
      return (n) => formatDate(Number(n));
    default:
      return (n) => n;
  }
}

/**
 * Fast emitter from a safe number ordinal. Decimals and timestamps stay numbers here (the fast
 * representation, see ColumnPlan.cell): allocating a BigInt per value would dominate generation.
 */
function numberEmitterOf(column: ColumnSpec, multiplier: number): (n: number) => Value {
  switch (column.type) {
    case 'date':
      return (n) => formatDate(n);
    default:
      return multiplier === 1 ? (n) => n : (n) => n * multiplier;
  }
}

/** Values a column may take from a finite list: allowed ∩ in_set rules, or categorical `values`. */
function finiteValues(
  column: ColumnSpec,
  hints: GenerateHints,
  checks: readonly ValueCheck[],
): Value[] | undefined {
  const codec = columnCodec(column);
  const raw = column.allowed ?? hints.values;
  const fromRule = checks.find((c) => c.kind === 'in_set')?.rule;
  const list = raw ?? (fromRule?.condition.kind === 'in_set' ? fromRule.condition.values : undefined);
  if (!list) return undefined;
  const out: Value[] = [];
  const seen = new Set<string>();
  for (const a of list) {
    const v = codec.parse(typeof a === 'string' || column.type !== 'string' ? a : String(a));
    if (v === NOT_CONFORMING)
      throw new GenerationError(`value ${JSON.stringify(a)} is not a ${column.type}`, column.name);
    const key = codec.canonical(v);
    if (seen.has(key)) continue;
    seen.add(key);
    if (checks.every((c) => c.test(v))) out.push(v);
  }
  if (out.length === 0) {
    throw new GenerationError(
      `none of the values ${JSON.stringify(list).slice(0, 80)} passes ${checks.map((c) => c.name).join(', ')}`,
      column.name,
    );
  }
  return out;
}

function weightsFor(
  column: ColumnSpec,
  hints: GenerateHints,
  values: readonly Value[],
): number[] | undefined {
  const w = hints.weights;
  if (w === undefined) return undefined;
  const codec = columnCodec(column);
  if (Array.isArray(w)) {
    const source = column.allowed ?? hints.values ?? [];
    if (w.length !== source.length) {
      throw new GenerationError(`weights has ${w.length} entries for ${source.length} values`, column.name);
    }
    const byKey = new Map<string, number>();
    source.forEach((a, i) => {
      const v = codec.parse(typeof a === 'string' || column.type !== 'string' ? a : String(a));
      if (v !== NOT_CONFORMING) byKey.set(codec.canonical(v), w[i]!);
    });
    return values.map((v) => byKey.get(codec.canonical(v)) ?? 0);
  }
  const byKey = new Map<string, number>();
  for (const [k, weight] of Object.entries(w)) {
    const v = codec.parse(k);
    if (v === NOT_CONFORMING)
      throw new GenerationError(`weights key '${k}' is not a ${column.type}`, column.name);
    byKey.set(codec.canonical(v), weight);
  }
  const weights = values.map((v) => byKey.get(codec.canonical(v)) ?? 0);
  if (weights.every((x) => x === 0)) throw new GenerationError('every weight is 0', column.name);
  return weights;
}

function categorical(
  column: ColumnSpec,
  hints: GenerateHints,
  values: Value[],
  ctx: GeneratorContext,
  unique: boolean,
): ValueGenerator {
  if (unique) {
    if (values.length < ctx.keys) {
      throw new GenerationError(
        `unique values from ${values.length} allowed value(s) cannot fill ${ctx.keys} rows`,
        column.name,
      );
    }
    const perm = new Permutation(values.length, hashText(`${column.name}#unique`, ctx.seed));
    return {
      exact: true,
      unique: true,
      draw: (_rand, key) => values[perm.apply(key)]!,
      ...(textsOf(values, (dictionary) => ({
        kind: 'indices',
        dictionary,
        fill(_rand, keys, n, out) {
          for (let i = 0; i < n; i++) out[i] = perm.apply(keys[i]!);
        },
      })) ?? {}),
    };
  }
  const cat = new Categorical(values, weightsFor(column, hints, values));
  return {
    exact: true,
    unique: false,
    draw: (rand) => cat.pick(rand),
    ...(textsOf(values, (dictionary) => ({
      kind: 'indices',
      dictionary,
      fill(rand, keys, n, out) {
        for (let i = 0; i < n; i++) out[i] = cat.pickIndex(rand.at(keys[i]!));
      },
    })) ?? {}),
  };
}

/** `{ fill }` over `values` as a dictionary when every value is a text, else undefined. */
function textsOf(
  values: readonly Value[],
  make: (dictionary: readonly string[]) => BatchFill,
): { fill: BatchFill } | undefined {
  if (!values.every((v): v is string => typeof v === 'string')) return undefined;
  return { fill: make(values) };
}

/** Integer-like columns: ints, decimals (unscaled), dates (days), timestamps (units). */
function integerGenerator(
  column: ColumnSpec,
  hints: GenerateHints,
  ctx: GeneratorContext,
  leaveOut: ReadonlySet<string>,
  unique: boolean,
): ValueGenerator {
  const rules = rulesOn(column, ctx.quality);
  let domain = columnDomain(column, rules, leaveOut) as IntDomain;
  const limits = typeLimits(column) as IntDomain;
  const emit = emitterOf(column);
  const sampler = samplerOf(hints, Number(domain.lo), Number(domain.hi), column.name);
  const scale = column.type === 'decimal' ? 10 ** (column.scale ?? 0) : 1;

  // An unbounded side gets a realistic default window rather than the type's extremes.
  const boundedLo = domain.lo > limits.lo;
  const boundedHi = domain.hi < limits.hi;
  if (!sampler && hints.kind !== 'sequence' && (!boundedLo || !boundedHi)) {
    let window: [bigint, bigint];
    if (column.type === 'date') window = DEFAULT_DATES.map((d) => ordinalOf(column, d)) as [bigint, bigint];
    else if (column.type === 'timestamp') {
      window = DEFAULT_TIMESTAMPS.map((t) => parseTimestamp(t, column.unit ?? 'us', 'UTC')!) as [
        bigint,
        bigint,
      ];
    } else {
      const width =
        DEFAULT_INT_WIDTH * BigInt(scale) > BigInt(ctx.keys) * 2n
          ? DEFAULT_INT_WIDTH * BigInt(scale)
          : BigInt(ctx.keys) * 2n;
      window = [0n, width];
    }
    const width = window[1] - window[0];
    if (boundedLo) window = [domain.lo, domain.lo + width];
    else if (boundedHi) window = [domain.hi - width, domain.hi];
    domain = {
      kind: 'int',
      lo: window[0] > domain.lo ? window[0] : domain.lo,
      hi: window[1] < domain.hi ? window[1] : domain.hi,
    };
  }

  // Timestamps are drawn at millisecond granularity where the domain allows: realistic, shorter text.
  let step = 1n;
  if (column.type === 'timestamp') {
    const g = UNIT_PER_MS[column.unit ?? 'us'];
    if (floorDiv(domain.hi, g) - ceilDiv(domain.lo, g) >= BigInt(Math.max(1000, ctx.keys))) step = g;
  }
  const lo = ceilDiv(domain.lo, step);
  const hi = floorDiv(domain.hi, step);
  const size = hi - lo + 1n;
  const fast = lo >= -SAFE && hi <= SAFE && size <= SAFE && lo * step >= -SAFE && hi * step <= SAFE;
  const emitNumber = numberEmitterOf(column, Number(step));
  const emitBig = (n: bigint): Value => emit(n * step);

  // Unique integers with no range and no distribution are ids: 1, 2, 3 ... (cheap and realistic).
  const idLike =
    unique &&
    !sampler &&
    !column.range &&
    column.type !== 'date' &&
    column.type !== 'timestamp' &&
    !rules.some((r) => r.condition.kind !== 'not_null' && r.condition.kind !== 'unique');
  if (hints.kind === 'sequence' || idLike) {
    const codec = columnCodec(column);
    let start: bigint;
    if (hints.start === undefined)
      start = boundedLo
        ? domain.lo
        : column.type === 'date' || column.type === 'timestamp'
          ? domain.lo
          : BigInt(1 * scale);
    else {
      const parsed = codec.parse(hints.start);
      if (parsed === NOT_CONFORMING)
        throw new GenerationError(
          `sequence start ${JSON.stringify(hints.start)} is not a ${column.type}`,
          column.name,
        );
      start = ordinalOf(column, parsed);
    }
    const unitStep = column.type === 'timestamp' ? UNIT_PER_MS[column.unit ?? 'us'] * 1000n : 1n;
    const by = BigInt(Math.round((hints.step ?? 1) * scale)) * unitStep;
    const last = start + by * BigInt(Math.max(0, ctx.keys - 1));
    for (const v of [start, last]) {
      if (v < domain.lo || v > domain.hi) {
        throw new GenerationError(
          `sequence from ${String(emit(start))} by ${hints.step ?? 1} leaves [${String(emit(domain.lo))}, ${String(emit(domain.hi))}] within ${ctx.keys} rows`,
          column.name,
        );
      }
    }
    if (by === 0n && unique && ctx.keys > 1)
      throw new GenerationError('a unique sequence needs a non-zero step', column.name);
    if (start >= -SAFE && start <= SAFE && last >= -SAFE && last <= SAFE) {
      const s = Number(start);
      const b = Number(by);
      const out = numberEmitterOf(column, 1);
      const fill: BatchFill | undefined =
        column.type === 'date'
          ? undefined
          : {
              kind: 'numbers',
              fill(_rand, keys, n, values) {
                for (let i = 0; i < n; i++) values[i] = s + keys[i]! * b;
              },
            };
      return {
        exact: true,
        unique: by !== 0n,
        draw: (_r, key) => out(s + key * b),
        ...(fill ? { fill } : {}),
      };
    }
    return { exact: true, unique: by !== 0n, draw: (_r, key) => emit(start + by * BigInt(key)) };
  }

  if (unique) {
    if (size < BigInt(ctx.keys)) {
      throw new GenerationError(
        `unique values: only ${size} value(s) in [${String(emit(domain.lo))}, ${String(emit(domain.hi))}] for ${ctx.keys} rows`,
        column.name,
      );
    }
    const permSize = size > 2n ** 52n ? 2 ** 52 : Number(size);
    const perm = new Permutation(Math.max(1, permSize), hashText(`${column.name}#unique`, ctx.seed));
    if (fast) {
      const l = Number(lo);
      const m = Number(step);
      const fill: BatchFill | undefined =
        column.type === 'date'
          ? undefined
          : {
              kind: 'numbers',
              fill(_rand, keys, n, out) {
                for (let i = 0; i < n; i++) {
                  const v = l + perm.apply(keys[i]!);
                  out[i] = m === 1 ? v : v * m;
                }
              },
            };
      return {
        exact: true,
        unique: true,
        draw: (_r, key) => emitNumber(l + perm.apply(key)),
        ...(fill ? { fill } : {}),
      };
    }
    return { exact: true, unique: true, draw: (_r, key) => emitBig(lo + BigInt(perm.apply(key))) };
  }

  const uniform = fast
    ? (() => {
        const l = Number(lo);
        const w = Number(size);
        return (rand: CellRandom): Value => emitNumber(l + rand.below(w));
      })()
    : (rand: CellRandom): Value =>
        emitBig(lo + BigInt(Math.min(Number(size) - 1, Math.floor(rand.next53() * Number(size)))));
  // The fills below compute emitNumber inline: a number times the step, or the number itself.
  const numbers = fast && column.type !== 'date';
  const l = Number(lo);
  const w = Number(size);
  const m = Number(step);
  if (!sampler) {
    if (!numbers) return { exact: true, unique: false, draw: uniform };
    return {
      exact: true,
      unique: false,
      draw: uniform,
      fill: {
        kind: 'numbers',
        fill(rand, keys, n, out) {
          for (let i = 0; i < n; i++) {
            const v = l + rand.at(keys[i]!).below(w);
            out[i] = m === 1 ? v : v * m;
          }
        },
      },
    };
  }
  if (column.type === 'date' || column.type === 'timestamp') {
    throw new GenerationError(
      `distribution '${hints.distribution}' applies to numbers, not ${column.type}`,
      column.name,
    );
  }
  const dlo = Number(domain.lo);
  const dhi = Number(domain.hi);
  /** A draw of the distribution that lands in the domain as a safe integer, in 32 tries; else NaN. */
  const sampled = (rand: CellRandom): number => {
    for (let attempt = 0; attempt < 32; attempt++) {
      const x = Math.round(sampler(rand) * scale);
      if (x >= dlo && x <= dhi && Number.isSafeInteger(x)) return x;
    }
    return NaN;
  };
  // Dates and timestamps were refused above, so the step is 1 and a uniform value is l + below(w).
  const fill: BatchFill | undefined = numbers
    ? {
        kind: 'numbers',
        fill(rand, keys, n, out) {
          for (let i = 0; i < n; i++) {
            const v = sampled(rand.at(keys[i]!));
            out[i] = v === v ? v : l + rand.below(w);
          }
        },
      }
    : undefined;
  return {
    exact: true,
    unique: false,
    ...(fill ? { fill } : {}),
    draw(rand) {
      const n = sampled(rand);
      if (n !== n) return uniform(rand); // the distribution's mass is mostly outside the domain: stay valid
      return column.type === 'int64' || column.type === 'int32' || column.type === 'decimal'
        ? n
        : emit(BigInt(n));
    },
  };
}

function realGenerator(
  column: ColumnSpec,
  hints: GenerateHints,
  ctx: GeneratorContext,
  leaveOut: ReadonlySet<string>,
  unique: boolean,
): ValueGenerator {
  const rules = rulesOn(column, ctx.quality);
  let domain = columnDomain(column, rules, leaveOut) as RealDomain;
  const limits = typeLimits(column) as RealDomain;
  const f32 = column.type === 'float32';
  const round32 = f32 ? Math.fround : (x: number) => x;
  const sampler = samplerOf(hints, domain.lo, domain.hi, column.name);
  if (!sampler && (domain.lo <= limits.lo || domain.hi >= limits.hi)) {
    const lo = domain.lo > limits.lo ? domain.lo : domain.hi < limits.hi ? domain.hi - 1000 : 0;
    domain = {
      ...domain,
      lo,
      hi: domain.hi < limits.hi ? domain.hi : lo + 1000,
      hiOpen: domain.hi < limits.hi ? domain.hiOpen : false,
    };
  }
  const width = domain.hi - domain.lo;
  const mid = round32(domain.lo / 2 + domain.hi / 2);
  if (!contains(domain, mid))
    throw new GenerationError(`no ${column.type} value lies in (${domain.lo}, ${domain.hi})`, column.name);
  if (unique) {
    const n = ctx.keys;
    const cell = width / Math.max(1, n);
    const ulp = Math.max(Math.abs(domain.lo), Math.abs(domain.hi)) * (f32 ? 2 ** -22 : 2 ** -51);
    if (n > 1 && !(cell > 4 * ulp)) {
      throw new GenerationError(
        `unique values: [${domain.lo}, ${domain.hi}] is too narrow for ${n} distinct ${column.type} values`,
        column.name,
      );
    }
    const perm = new Permutation(Math.max(1, n), hashText(`${column.name}#unique`, ctx.seed));
    const draw = (_r: CellRandom, key: number): number => round32(domain.lo + cell * (perm.apply(key) + 0.5));
    return { exact: true, unique: true, draw, fill: numbersOf(draw) };
  }
  const decimals = hints.decimals ?? (width >= 1 ? 2 : undefined);
  const factor = decimals === undefined ? 0 : 10 ** decimals;
  const draw = (rand: CellRandom): number => {
    for (let attempt = 0; attempt < 32; attempt++) {
      let x = sampler ? sampler(rand) : domain.lo + rand.next() * width;
      if (factor) {
        const r = Math.round(x * factor) / factor;
        if (contains(domain, round32(r))) x = r;
      }
      x = round32(x);
      if (contains(domain, x)) return x;
      if (!sampler && attempt > 2) break;
    }
    return mid;
  };
  return { exact: true, unique: false, draw, fill: numbersOf(draw) };
}

/** A fill calling a number-valued draw per key, in the column's own loop. */
function numbersOf(draw: (rand: CellRandom, key: number) => number): BatchFill {
  return {
    kind: 'numbers',
    fill(rand, keys, n, out) {
      for (let i = 0; i < n; i++) {
        const key = keys[i]!;
        out[i] = draw(rand.at(key), key);
      }
    },
  };
}

function booleanGenerator(
  column: ColumnSpec,
  hints: GenerateHints,
  ctx: GeneratorContext,
  checks: readonly ValueCheck[],
  unique: boolean,
): ValueGenerator {
  const values = [true, false].filter((v) => checks.every((c) => c.test(v)));
  if (values.length === 0)
    throw new GenerationError(`no boolean passes ${checks.map((c) => c.name).join(', ')}`, column.name);
  if (unique) return categorical(column, hints, values, ctx, true);
  if (values.length === 1) return { exact: true, unique: false, draw: () => values[0]! };
  const p = hints.true_rate ?? 0.5;
  return { exact: true, unique: false, draw: (rand) => rand.next() < p };
}

function lengthBounds(
  column: ColumnSpec,
  checks: readonly ValueCheck[],
  leaveOut: ReadonlySet<string>,
): [number, number] {
  let [lo, hi] = leaveOut.has(`${column.name}.length`) ? [0, MAX_LENGTH] : (column.length ?? [0, MAX_LENGTH]);
  for (const c of checks) {
    if (c.kind === 'length_between' && c.rule?.condition.kind === 'length_between') {
      lo = Math.max(lo, c.rule.condition.min);
      hi = Math.min(hi, c.rule.condition.max);
    }
  }
  if (lo > hi) throw new GenerationError(`no string length satisfies [${lo}, ${hi}]`, column.name);
  return [lo, hi];
}

const FORMAT_KINDS: Record<string, SemanticKind> = {
  email: 'email',
  uuid: 'uuid',
  url: 'url',
  ipv4: 'ip',
  ipv6: 'ipv6',
};

function stringGenerator(
  column: ColumnSpec,
  hints: GenerateHints,
  ctx: GeneratorContext,
  checks: readonly ValueCheck[],
  leaveOut: ReadonlySet<string>,
  unique: boolean,
): ValueGenerator {
  const [minLen, maxLen] = lengthBounds(column, checks, leaveOut);
  const pattern = leaveOut.has(`${column.name}.pattern`) ? undefined : column.pattern;
  const formatRule = checks.find((c) => c.kind === 'format')?.rule;
  const formatKind =
    formatRule?.condition.kind === 'format' ? FORMAT_KINDS[formatRule.condition.format] : undefined;
  const filtered = (
    draw: (rand: CellRandom, key: number) => string,
    isUnique: boolean,
    exact: boolean,
  ): ValueGenerator => ({
    draw,
    unique: isUnique,
    exact,
  });

  if (pattern !== undefined) {
    const gen = compilePattern(pattern, [minLen, maxLen], column.name);
    const exact = !checks.some((c) => c.kind === 'matches' || c.kind === 'format');
    if (unique) {
      if (gen.uniqueCapacity < ctx.keys) {
        throw new GenerationError(
          `unique values: pattern '${pattern}' gives ${gen.uniqueCapacity} distinct value(s) for ${ctx.keys} rows`,
          column.name,
        );
      }
      const perm = new Permutation(
        Math.min(gen.uniqueCapacity, 2 ** 52),
        hashText(`${column.name}#unique`, ctx.seed),
      );
      return filtered((_r, key) => gen.nth(perm.apply(key)), true, exact);
    }
    return filtered((rand) => gen.sample(rand), false, exact);
  }

  if (hints.template !== undefined) {
    if (unique)
      throw new GenerationError('unique values cannot come from a template; use a pattern', column.name);
    const template = compileTemplate(hints.template, ctx.seed, column.name);
    return filtered((rand) => template.sample(rand), false, false);
  }

  if (hints.shapes) {
    const shapes = Object.keys(hints.shapes);
    const cat = new Categorical(shapes, Object.values(hints.shapes));
    const classes: Record<string, string> = {
      A: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
      a: 'abcdefghijklmnopqrstuvwxyz',
      '9': '0123456789',
    };
    return filtered(
      (rand) => {
        const shape = cat.pick(rand);
        let out = '';
        for (const ch of shape) {
          const set = classes[ch];
          out += set ? set[rand.below(set.length)]! : ch;
        }
        return out;
      },
      false,
      false,
    );
  }

  const named = hints.kind as SemanticKind | undefined;
  const kind = named ?? formatKind ?? kindFromName(column.name);
  if (kind !== undefined && kind !== ('sequence' as string) && kind !== ('anomaly_label' as string)) {
    const constrained = column.length !== undefined || checks.some((c) => c.kind !== 'unique');
    if (unique && !constrained) {
      const indexed = indexedSemantic(kind, ctx.seed, (i, k) =>
        mix32(hashText(column.name, ctx.seed) ^ mix32(i * 31 + k)),
      );
      if (indexed.capacity >= ctx.keys) {
        const perm = new Permutation(
          Math.min(indexed.capacity, 2 ** 52),
          hashText(`${column.name}#unique`, ctx.seed),
        );
        return filtered((_r, key) => indexed.value(perm.apply(key)), true, true);
      }
      if (named)
        throw new GenerationError(
          `unique ${kind} values: only ${indexed.capacity} distinct for ${ctx.keys} rows`,
          column.name,
        );
    } else {
      const size = unique ? Math.min(100_000, Math.max(2000, Math.ceil(ctx.keys * 1.5))) : undefined;
      const pool = semanticPool(kind, ctx.seed, size).filter((v) => {
        const n = [...v].length;
        return n >= minLen && n <= maxLen && checks.every((c) => c.kind === 'unique' || c.test(v));
      });
      if (pool.length > 0 && (!unique || pool.length >= ctx.keys)) {
        if (unique) {
          const perm = new Permutation(pool.length, hashText(`${column.name}#unique`, ctx.seed));
          return {
            ...filtered((_r, key) => pool[perm.apply(key)]!, true, true),
            fill: {
              kind: 'indices',
              dictionary: pool,
              fill(_rand, keys, n, out) {
                for (let i = 0; i < n; i++) out[i] = perm.apply(keys[i]!);
              },
            },
          };
        }
        const count = pool.length;
        return {
          ...filtered((rand) => pool[rand.below(count)]!, false, true),
          fill: {
            kind: 'indices',
            dictionary: pool,
            fill(rand, keys, n, out) {
              for (let i = 0; i < n; i++) out[i] = rand.at(keys[i]!).below(count);
            },
          },
        };
      }
      if (named) {
        throw new GenerationError(
          pool.length === 0
            ? `no ${kind} value passes ${[`length [${minLen}, ${maxLen}]`, ...checks.filter((c) => c.kind !== 'unique').map((c) => c.name)].join(', ')}`
            : `unique ${kind} values: only ${pool.length} distinct for ${ctx.keys} rows`,
          column.name,
        );
      }
    }
  }

  // Default: lower-case words of 5 to 12 letters, within the length bounds.
  const lo = Math.max(minLen, Math.min(5, maxLen));
  const hi = Math.min(maxLen, Math.max(12, lo));
  const gen = compilePattern(`[a-z]{${lo},${hi}}`, [lo, hi], column.name);
  const exact = !checks.some((c) => c.kind === 'matches' || c.kind === 'format');
  if (unique) {
    if (gen.uniqueCapacity < ctx.keys) {
      throw new GenerationError(
        `unique values: strings of ${lo}..${hi} letters give ${gen.uniqueCapacity} distinct value(s) for ${ctx.keys} rows`,
        column.name,
      );
    }
    const perm = new Permutation(
      Math.min(gen.uniqueCapacity, 2 ** 52),
      hashText(`${column.name}#unique`, ctx.seed),
    );
    return filtered((_r, key) => gen.nth(perm.apply(key)), true, exact);
  }
  return filtered((rand) => gen.sample(rand), false, exact);
}

/**
 * The value generator of a column, keeping every check except those in `leaveOut` (the checks a
 * violation relaxes). The returned generator's values pass the kept checks: by construction when
 * `exact`, otherwise after filtering by the caller.
 */
export function buildValueGenerator(
  column: ColumnSpec,
  hints: GenerateHints,
  ctx: GeneratorContext,
  leaveOut: ReadonlySet<string> = new Set(),
): ValueGenerator {
  if (leaveOut.has(`${column.name}.allowed`) && column.allowed) {
    const { allowed: _allowed, ...rest } = column;
    return buildValueGenerator(rest, hints.values ? { ...hints, values: undefined } : hints, ctx, leaveOut);
  }
  const checks = valueChecks(column, ctx.quality).filter((c) => !leaveOut.has(c.name));
  const unique = isUniqueColumn(column, ctx.quality, leaveOut);
  const finite = finiteValues(
    column,
    hints,
    checks.filter((c) => c.kind !== 'allowed' && c.kind !== 'in_set'),
  );
  if (finite && (column.allowed || hints.values || checks.some((c) => c.kind === 'in_set'))) {
    const kept = finite.filter((v) => checks.every((c) => c.test(v)));
    if (kept.length === 0)
      throw new GenerationError(
        `no allowed value passes ${checks.map((c) => c.name).join(', ')}`,
        column.name,
      );
    return categorical(column, hints, kept, ctx, unique);
  }
  if (isIntegerType(column)) return integerGenerator(column, hints, ctx, leaveOut, unique);
  switch (column.type) {
    case 'float32':
    case 'float64':
      return realGenerator(column, hints, ctx, leaveOut, unique);
    case 'boolean':
      return booleanGenerator(column, hints, ctx, checks, unique);
    default:
      return stringGenerator(column, hints, ctx, checks, leaveOut, unique);
  }
}
