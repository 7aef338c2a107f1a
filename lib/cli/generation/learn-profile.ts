/**
 * Template-based generation (`prt generate --like sample.parquet`): one streaming pass over a
 * sample learns, per column, its type (declared by Parquet/Arrow, inferred from text otherwise),
 * null rate, range, category frequencies, numeric quantiles and string shapes, and turns them into
 * a contract whose `generate` hints reproduce them, so the ordinary generator does the rest.
 *
 * Privacy: a column that looks like personal data, by its name (email, name, phone, address, ip,
 * ssn, iban, birth date...) or by its values' shape (e-mail, phone, IP, SSN, IBAN, card numbers),
 * is generated from a semantic pool or from shapes, never from the sample's values, and its
 * generated values are additionally checked against a hash set of the sample's values, so not
 * one of them is copied. Categories are only learned from columns that are not personal data.
 */
import {
  type ColumnSpec,
  type ColumnType,
  type OutputContract,
  columnCodec,
  NOT_CONFORMING,
  type ColumnCodec,
} from '../../../lambdas/core/contracts';
import {
  type ByteSource,
  arrowSchemaOf,
  openTable,
  parquetSchemaOf,
  type RawCell,
} from '../../../lambdas/core/formats';
import {
  CellRandom,
  hashText,
  GenerationError,
  kindFromName,
  type SemanticKind,
} from '../../../lambdas/core/generation';

/** Values kept per numeric column for quantiles (reservoir sampling). */
const RESERVOIR = 10_000;
/** Distinct strings tracked before a column stops being a candidate category. */
const MAX_CATEGORIES = 50;
const MAX_SHAPES = 50;
const QUANTILES = 21;

const PII_NAME =
  /(e_?mail|(^|_)name$|first_?name|last_?name|surname|phone|mobile|address|street|(^|_)zip|postal|(^|_)ip($|_)|ip_?address|ssn|social_security|iban|card_?number|credit_?card|passport|birth|dob|national_id|tax_id|user_?name|login)/i;

const PII_SHAPES: readonly [RegExp, SemanticKind][] = [
  [/^[^\s@]+@[^\s@]+\.[A-Za-z]{2,}$/, 'email'],
  [/^\d{3}-\d{2}-\d{4}$/, 'ssn'],
  [/^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/, 'ip'],
  [/^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/, 'iban'],
  [/^\+?[\d\s().-]{7,20}$/, 'phone'],
];
const CARD = /^\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d{1,7}$/;

export interface ColumnProfile {
  readonly name: string;
  readonly type: ColumnType;
  readonly count: number;
  readonly nulls: number;
  readonly pii: boolean;
  readonly kind?: SemanticKind;
  readonly min?: string | number;
  readonly max?: string | number;
  readonly quantiles?: readonly number[];
  readonly categories?: Readonly<Record<string, number>>;
  readonly shapes?: Readonly<Record<string, number>>;
  readonly distinct: boolean;
}

export interface LearnedTemplate {
  readonly contract: OutputContract;
  readonly profiles: readonly ColumnProfile[];
  /** Hashes of the sample's values in personal-data columns: generated values must avoid them. */
  readonly exclusions: ReadonlyMap<string, ReadonlySet<number>>;
  readonly rows: number;
}

function shapeOf(text: string): string {
  let out = '';
  for (const ch of text.length > 40 ? text.slice(0, 40) : text) {
    out += /[A-Z]/.test(ch) ? 'A' : /[a-z]/.test(ch) ? 'a' : /[0-9]/.test(ch) ? '9' : ch;
  }
  return out;
}

const TEXT_TYPES: readonly ColumnType[] = ['int64', 'float64', 'boolean', 'date', 'timestamp'];

class ColumnLearner {
  count = 0;
  nulls = 0;
  /** Text columns: types every value so far conforms to. */
  candidates: ColumnType[] | undefined;
  readonly codecs = new Map<ColumnType, ColumnCodec>();
  numbers: number[] = [];
  seen = 0;
  min: number | undefined;
  max: number | undefined;
  minText: string | undefined;
  maxText: string | undefined;
  categories: Map<string, number> | undefined = new Map();
  shapes = new Map<string, number>();
  shapeHits = new Map<SemanticKind | 'card', number>();
  valueHashes = new Set<number>();
  distinct: Set<string> | undefined = new Set();
  readonly rand: CellRandom;

  constructor(
    readonly column: ColumnSpec,
    textual: boolean,
    seed: number,
  ) {
    if (textual) {
      this.candidates = [...TEXT_TYPES];
      for (const t of TEXT_TYPES)
        this.codecs.set(
          t,
          columnCodec({
            name: column.name,
            type: t,
            nullable: true,
            ...(t === 'timestamp' ? { unit: 'us', zone: 'UTC' } : {}),
          }),
        );
    }
    this.rand = new CellRandom(hashText(`learn#${column.name}`, seed));
  }

  add(raw: RawCell): void {
    this.count++;
    if (raw === null || raw === '') {
      this.nulls++;
      return;
    }
    const text = typeof raw === 'string' ? raw : String(raw);
    if (this.candidates)
      this.candidates = this.candidates.filter((t) => this.codecs.get(t)!.parse(text) !== NOT_CONFORMING);
    this.valueHashes.add(hashText(text));
    if (this.distinct) {
      this.distinct.add(text);
      if (this.distinct.size > 100_000) this.distinct = undefined;
    }
    if (this.categories) {
      this.categories.set(text, (this.categories.get(text) ?? 0) + 1);
      if (this.categories.size > MAX_CATEGORIES) this.categories = undefined;
    }
    const shape = shapeOf(text);
    if (this.shapes.size < 1000 || this.shapes.has(shape))
      this.shapes.set(shape, (this.shapes.get(shape) ?? 0) + 1);
    for (const [re, kind] of PII_SHAPES)
      if (re.test(text)) this.shapeHits.set(kind, (this.shapeHits.get(kind) ?? 0) + 1);
    if (CARD.test(text)) this.shapeHits.set('card', (this.shapeHits.get('card') ?? 0) + 1);
    const n = typeof raw === 'number' ? raw : typeof raw === 'bigint' ? Number(raw) : Number(text);
    if (Number.isFinite(n)) {
      this.min = this.min === undefined || n < this.min ? n : this.min;
      this.max = this.max === undefined || n > this.max ? n : this.max;
      // Reservoir sampling (Algorithm R) with the seeded stream: quantiles of any sample size.
      if (this.numbers.length < RESERVOIR) this.numbers.push(n);
      else {
        const j = this.rand.at(this.seen).below(this.seen + 1);
        if (j < RESERVOIR) this.numbers[j] = n;
      }
      this.seen++;
    }
    if (this.minText === undefined || text < this.minText) this.minText = text;
    if (this.maxText === undefined || text > this.maxText) this.maxText = text;
  }
}

function quantilesOf(values: number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  return Array.from(
    { length: QUANTILES },
    (_, i) => sorted[Math.round((i / (QUANTILES - 1)) * (sorted.length - 1))]!,
  );
}

function typeOf(learner: ColumnLearner): ColumnType {
  if (!learner.candidates) return learner.column.type;
  if (learner.count === learner.nulls) return 'string';
  return learner.candidates[0] ?? 'string';
}

function piiKind(learner: ColumnLearner, name: string): { pii: boolean; kind?: SemanticKind } {
  const nonNull = learner.count - learner.nulls;
  const byName = PII_NAME.test(name);
  const named = kindFromName(name);
  let byShape: SemanticKind | 'card' | undefined;
  for (const [kind, hits] of learner.shapeHits) if (nonNull > 0 && hits / nonNull >= 0.8) byShape ??= kind;
  if (!byName && !byShape) return { pii: false };
  const kind = named ?? (byShape && byShape !== 'card' ? byShape : undefined);
  return { pii: true, ...(kind ? { kind } : {}) };
}

function escapeRegex(ch: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(ch) ? `\\${ch}` : ch;
}

function patternOfShape(shape: string): string {
  let out = '';
  for (const ch of shape)
    out += ch === 'A' ? '[A-Z]' : ch === 'a' ? '[a-z]' : ch === '9' ? '[0-9]' : escapeRegex(ch);
  return out;
}

function topShapes(shapes: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...shapes].sort((a, b) => b[1] - a[1]).slice(0, MAX_SHAPES));
}

/** Learns a contract (with generate hints) from a sample. */
export async function learnTemplate(
  source: ByteSource,
  options: { readonly seed: number; readonly name?: string },
): Promise<LearnedTemplate> {
  const opened = await openTable(source);
  const declared =
    opened.format === 'parquet'
      ? await parquetSchemaOf(source)
      : opened.format === 'arrow'
        ? await arrowSchemaOf(source)
        : undefined;
  let learners: ColumnLearner[] | undefined;
  let rows = 0;
  for await (const batch of opened.batches) {
    learners ??= batch.columns.map((name) => {
      const d = declared?.find((c) => c.name === name);
      const column: ColumnSpec = d
        ? { ...d, ...(d.type === 'timestamp' ? { zone: 'UTC' } : {}) }
        : { name, type: 'string', nullable: true };
      return new ColumnLearner(column, !d, options.seed);
    });
    for (const row of batch.rows) {
      rows++;
      for (let c = 0; c < learners.length; c++) learners[c]!.add(row[c] ?? null);
    }
  }
  if (!learners || rows === 0)
    throw new GenerationError(`${source.name} has no rows to learn from`, '--like');

  const profiles: ColumnProfile[] = [];
  const exclusions = new Map<string, ReadonlySet<number>>();
  const schema: ColumnSpec[] = learners.map((l) => {
    const name = l.column.name;
    const type = typeOf(l);
    const nonNull = l.count - l.nulls;
    const { pii, kind } = piiKind(l, name);
    const nullRate = l.count ? l.nulls / l.count : 0;
    const distinct = l.distinct !== undefined && l.distinct.size === nonNull && nonNull >= 20;
    const base = {
      name,
      type,
      nullable: l.nulls > 0,
      ...(type === 'timestamp' ? { unit: l.column.unit ?? 'us', zone: 'UTC' } : {}),
      ...(type === 'decimal' ? { precision: l.column.precision ?? 38, scale: l.column.scale ?? 0 } : {}),
    } as const;
    const nullHint = nullRate > 0 ? { null_rate: Math.round(nullRate * 1e4) / 1e4 } : {};
    const profile: ColumnProfile = {
      name,
      type,
      count: l.count,
      nulls: l.nulls,
      pii,
      distinct,
      ...(kind ? { kind } : {}),
      ...(l.min !== undefined && ['int32', 'int64', 'float32', 'float64', 'decimal'].includes(type)
        ? { min: l.min, max: l.max!, quantiles: quantilesOf(l.numbers) }
        : {}),
      ...(l.categories && !pii ? { categories: Object.fromEntries(l.categories) } : {}),
      ...(type === 'string' ? { shapes: topShapes(l.shapes) } : {}),
    };
    profiles.push(profile);
    if (pii) exclusions.set(name, l.valueHashes);

    if (nonNull === 0) return { ...base, nullable: true, generate: { null_rate: 1 } };
    switch (type) {
      case 'int32':
      case 'int64':
      case 'float32':
      case 'float64': {
        const int = type === 'int32' || type === 'int64';
        const categorical = l.categories && l.categories.size <= 20 && l.categories.size < nonNull / 2 && int;
        if (categorical && !pii) {
          const values = [...l.categories!.keys()].map(Number);
          return {
            ...base,
            allowed: values,
            generate: { ...nullHint, weights: [...l.categories!.values()] },
          };
        }
        return {
          ...base,
          range: [l.min!, l.max!],
          ...(distinct && int ? { unique: true } : {}),
          generate: {
            ...nullHint,
            ...(distinct && int ? {} : { distribution: 'empirical', quantiles: profile.quantiles }),
          },
        };
      }
      case 'decimal':
        return {
          ...base,
          range: [l.minText!, l.maxText!].sort((a, b) => Number(a) - Number(b)) as [string, string],
          generate: nullHint,
        };
      case 'boolean': {
        const trues = (l.categories?.get('true') ?? 0) + (l.categories?.get('1') ?? 0);
        return { ...base, generate: { ...nullHint, true_rate: Math.round((trues / nonNull) * 1e4) / 1e4 } };
      }
      case 'date':
      case 'timestamp': {
        const codec = columnCodec(base);
        const lo = codec.parse(l.minText!);
        const hi = codec.parse(l.maxText!);
        const texts = [lo, hi].map((v) => (typeof v === 'symbol' ? undefined : codec.format(v)));
        return {
          ...base,
          ...(texts[0] && texts[1] ? { range: [texts[0], texts[1]] as [string, string] } : {}),
          generate: nullHint,
        };
      }
      default: {
        if (pii) {
          if (kind) return { ...base, generate: { ...nullHint, kind } };
          return { ...base, generate: { ...nullHint, shapes: topShapes(l.shapes) } };
        }
        if (l.categories && l.categories.size < nonNull / 2) {
          return {
            ...base,
            allowed: [...l.categories.keys()],
            generate: { ...nullHint, weights: [...l.categories.values()] },
          };
        }
        if (distinct) {
          const top = [...l.shapes].sort((a, b) => b[1] - a[1])[0]![0];
          return { ...base, unique: true, pattern: patternOfShape(top), generate: nullHint };
        }
        return { ...base, generate: { ...nullHint, shapes: topShapes(l.shapes) } };
      }
    }
  });

  const name =
    (options.name ?? source.name.split('/').pop()!.replace(/\..*$/, '')).replace(/[^A-Za-z0-9_.-]/g, '_') ||
    'sample';
  const contract: OutputContract = {
    pipeline: 'synthetic',
    step: 'like',
    output: name,
    path: `synthetic/like/${name}/`,
    format: opened.format,
    csv: { delimiter: ',', header: true },
    compatibility: 'compatible',
    inputs: [],
    allowExtraColumns: true,
    schema,
    quality: [],
  };
  return { contract, profiles, exclusions, rows };
}
