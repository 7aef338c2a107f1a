/**
 * Loads a YAML or JSON contract into the typed model. The file format is checked with the schema
 * in contract-schema.ts (the same one the shipped JSON Schema comes from), then the cross-field
 * rules are checked here. Every problem is a ContractError naming the source, the line and the key
 * path ("line 7: schema[2].type: 'integer' is not valid; expected one of ..."), never a stack trace.
 */
import { isMap, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { seedFormProblem } from './seed-forms';
import type { core } from 'zod';
import { ContractError } from '../errors';
import { columnCodec, NOT_CONFORMING } from './typed-values';
import { COLUMN_TYPES, contractSchema, VALUE_FORMATS, type ContractFile } from './contract-schema';
import {
  DATASET_CONDITIONS,
  NUMERIC_TYPES,
  type ColumnSpec,
  qualifiedName,
  type ColumnType,
  type InputExpectation,
  type OutputContract,
  type PublishSpec,
  type QualityRule,
  type RuleCondition,
  type RuleType,
} from './output-contract';
import { compileExpression, type ExpressionType } from '../expressions/expression';
import { parseDuration } from './duration';
import { compileContractRegex } from './contract-regex';
import { checkContractBytes, checkContractShape } from './contract-limits';
import { DEFAULT_HISTORY_SETTINGS, type HistorySettings } from '../history/history-types';
import { importOdcs, type OdcsImportOptions, type OdcsImportWarning } from './odcs/import-odcs';
import { documentPathText, isOdcsDocument } from './odcs/odcs-terms';
import { EXPECTATION_LIMITS, type Expectation } from '../expectations/expectation-types';
import { ScheduleExpression, ScheduleExpressionError } from '../expectations/schedule-expression';

type PathPart = string | number;

function pathText(path: readonly PathPart[]): string {
  return (
    path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '') ||
    '(root)'
  );
}

function show(v: unknown): string {
  if (v === undefined) return 'missing';
  try {
    return `'${typeof v === 'string' ? v : JSON.stringify(v)}'`;
  } catch {
    return 'a value that cannot be shown';
  }
}

/** Finds the line of a key path, and says the path the way the author wrote the file. */
interface PathLocator {
  lineOf(path: readonly PathPart[]): number | undefined;
  describe?(path: readonly PathPart[]): string;
}

class Locator implements PathLocator {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** Line of the deepest YAML node on the path that exists. */
  lineOf(path: readonly PathPart[]): number | undefined {
    let node: unknown = this.doc.contents;
    let best: unknown = node;
    for (const step of path) {
      if (!(isMap(node) || isSeq(node))) break;
      const next: unknown = node.get(step, true);
      if (next === undefined) {
        // A key the schema rejected: point at the key itself.
        if (isMap(node)) {
          const pair = node.items.find((it) => (it.key as { value?: unknown } | null)?.value === step);
          if (pair?.key) best = pair.key;
        }
        break;
      }
      node = next;
      best = node;
    }
    const range = (best as Node | null)?.range;
    return range ? this.lines.linePos(range[0]).line : undefined;
  }
}

function fail(
  source: string,
  loc: PathLocator | undefined,
  path: readonly PathPart[],
  message: string,
): never {
  const line = loc?.lineOf(path);
  throw new ContractError(
    `${line !== undefined ? `line ${line}: ` : ''}${loc?.describe?.(path) ?? pathText(path)}: ${message}`,
    source,
  );
}

function issueMessage(issue: core.$ZodIssue, raw: unknown): string {
  let value: unknown = raw;
  for (const p of issue.path) value = (value as Record<PropertyKey, unknown> | undefined)?.[p];
  const columnType =
    issue.path.at(-1) === 'type' &&
    ((issue.path[0] === 'schema' && issue.path.length === 3) ||
      (issue.path[0] === 'inputs' && issue.path[2] === 'columns' && issue.path.length === 5));
  if (columnType) {
    return `${show(value)} is not a type; expected one of ${COLUMN_TYPES.join(', ')} or decimal(precision,scale)`;
  }
  switch (issue.code) {
    case 'invalid_value':
      return `${show(value)} is not valid; expected one of ${issue.values.map(String).join(', ')}`;
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
    case 'invalid_type':
      return value === undefined
        ? `is required (${issue.expected})`
        : `${show(value)} is not ${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}`;
    case 'invalid_union':
      return `${show(value)} is not valid here`;
    case 'too_small':
    case 'too_big':
    case 'invalid_format':
    case 'custom':
      return `${show(value)}: ${issue.message}`;
    default:
      return issue.message;
  }
}

/**
 * An `inputs` entry is a name or a mapping: when a mapping fails, the union's own issue ("not valid
 * here") would hide what is wrong inside it, so the issue of the mapping branch is reported instead,
 * at its full path.
 */
function inputEntryIssue(issue: core.$ZodIssue): core.$ZodIssue {
  if (issue.code !== 'invalid_union' || issue.path[0] !== 'inputs' || issue.path.length !== 2) return issue;
  const branch = issue.errors.find(
    (errors) => errors.length > 0 && !(errors[0]!.code === 'invalid_type' && errors[0].path.length === 0),
  );
  const inner = branch?.[0];
  return inner ? { ...inner, path: [...issue.path, ...inner.path] } : issue;
}

/**
 * The line of a key path in a contract's text (`['inputs', 1]`), for problems found after loading
 * (an input edge no contract answers); undefined when the text does not parse.
 */
export function contractLine(text: string, path: readonly PathPart[]): number | undefined {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, logLevel: 'silent' });
  return doc.errors.length > 0 ? undefined : new Locator(doc, lines).lineOf(path);
}

/** A contract loaded, with what its source had that prt does not use (ODCS documents only). */
export interface LoadedContract {
  readonly contract: OutputContract;
  readonly warnings: readonly OdcsImportWarning[];
}

/** An ODCS document read into prt's file form, checked by the loader like a prt contract. */
export interface ImportedContract extends LoadedContract {
  readonly file: Record<string, unknown>;
}

function parseText(text: string, source: string): { raw: unknown; loc: Locator } {
  checkContractBytes(Buffer.byteLength(text, 'utf8'), source);
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lines,
    prettyErrors: true,
    uniqueKeys: true,
    // Problems become ContractErrors; the library must not print process warnings of its own.
    logLevel: 'error',
  });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const line = first.linePos?.[0]?.line;
    throw new ContractError(
      `${line !== undefined ? `line ${line}: ` : ''}not valid YAML/JSON: ${first.message.split('\n')[0]}`,
      source,
    );
  }
  const loc = new Locator(doc, lines);
  try {
    // Aliases are expanded with a hard cap, so a "billion laughs" file is an error, not a hang.
    return { raw: doc.toJS({ maxAliasCount: 100 }), loc };
  } catch (error) {
    throw new ContractError(`cannot expand YAML aliases: ${(error as Error).message}`, source);
  }
}

/** Checks a contract in file form (parsed YAML/JSON) and builds the model. */
function contractFromFile(raw: unknown, source: string, loc: PathLocator): OutputContract {
  checkContractShape(raw, source);
  // A rule or column copied from the design notes' forms: say exactly how the contract writes it.
  const seedForm = seedFormProblem(raw);
  if (seedForm) fail(source, loc, seedForm.path, seedForm.message);
  const parsed = contractSchema.safeParse(raw);
  if (!parsed.success) {
    // A misspelt key usually explains the other errors ("schemas:" → "schema is required"): name it first.
    const issue = inputEntryIssue(
      parsed.error.issues.find((i) => i.code === 'unrecognized_keys' && i.path.length === 0) ??
        parsed.error.issues[0]!,
    );
    const path = issue.path.filter((p): p is PathPart => typeof p !== 'symbol');
    const at = issue.code === 'unrecognized_keys' ? [...path, issue.keys[0]!] : path;
    fail(source, loc, at, issueMessage(issue, raw));
  }
  return toModel(parsed.data, source, loc);
}

/**
 * Reads an ODCS v3 document and loads the prt contract it gives. A problem the loader finds in
 * the result is located in the ODCS document: its line, its ODCS path, then the prt key.
 */
export function importOdcsContract(
  text: string,
  source: string,
  options: OdcsImportOptions = {},
): ImportedContract {
  const { raw, loc } = parseText(text, source);
  if (!isOdcsDocument(raw))
    throw new ContractError('not an ODCS document (kind: DataContract, apiVersion: v3.x.x)', source);
  return importParsed(raw, loc, source, options);
}

function importParsed(
  raw: Record<string, unknown>,
  loc: Locator,
  source: string,
  options: OdcsImportOptions,
): ImportedContract {
  const imported = importOdcs(raw, source, options, (path) => loc.lineOf(path));
  const translated: PathLocator = {
    lineOf: (path) => {
      const origin = imported.originOf(path);
      return origin ? loc.lineOf(origin) : undefined;
    },
    describe: (path) => {
      const origin = imported.originOf(path);
      return origin && origin.length > 0
        ? `${documentPathText(origin)} (prt ${pathText(path)})`
        : pathText(path);
    },
  };
  const contract = contractFromFile(imported.file, source, translated);
  return { contract, warnings: imported.warnings, file: imported.file };
}

/**
 * Loads a contract file: prt's own form, or an ODCS v3 document (`kind: DataContract`,
 * `apiVersion: v3…`), with the list of what the ODCS document holds that prt does not use.
 */
export function loadContract(text: string, source: string): LoadedContract {
  const { raw, loc } = parseText(text, source);
  if (isOdcsDocument(raw)) {
    const { contract, warnings } = importParsed(raw, loc, source, {});
    return { contract, warnings };
  }
  return { contract: contractFromFile(raw, source, loc), warnings: [] };
}

/** Loads a contract file (prt's form or ODCS v3) into the typed model. */
export function parseContract(text: string, source: string): OutputContract {
  return loadContract(text, source).contract;
}

/** How a column's values reach expressions: dates as ISO text, timestamps and decimals as numbers. */
function expressionTypeOf(type: ColumnType): ExpressionType {
  if (type === 'string' || type === 'date') return 'string';
  if (type === 'boolean') return 'boolean';
  return 'number';
}

const PLACEHOLDER_CHECK = /\{[^}]*\}/g;

const DEFAULT_RULE_TYPE: Record<RuleCondition['kind'], RuleType> = {
  not_null: 'completeness',
  greater_than: 'accuracy',
  greater_or_equal: 'accuracy',
  less_than: 'accuracy',
  less_or_equal: 'accuracy',
  between: 'accuracy',
  matches: 'validity',
  in_set: 'validity',
  type_conforms: 'validity',
  length_between: 'validity',
  format: 'validity',
  unique: 'uniqueness',
  expression: 'consistency',
  max_age: 'timeliness',
  mean_between: 'distribution',
  stddev_between: 'distribution',
  quantile_between: 'distribution',
  ks_test: 'distribution',
  exists_in: 'referential',
};

/** A column's type from `type` (decimal(p,s) shorthand or keys), checked against its other keys. */
function resolveColumnType(
  col: {
    readonly type: string;
    readonly precision?: number | undefined;
    readonly scale?: number | undefined;
    readonly unit?: string | undefined;
  },
  at: (k: string) => PathPart[],
  bad: (path: readonly PathPart[], message: string) => never,
): { type: ColumnType; precision?: number; scale?: number } {
  let type = col.type as ColumnType;
  let { precision, scale } = col;
  const shorthand = /^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$/.exec(col.type);
  if (shorthand) {
    type = 'decimal';
    if (precision !== undefined || scale !== undefined)
      bad(at('precision'), 'give precision and scale either in decimal(p,s) or as keys, not both');
    precision = Number(shorthand[1]);
    scale = Number(shorthand[2]);
  }
  if (type === 'decimal') {
    if (precision === undefined || scale === undefined)
      bad(at('type'), 'decimal needs precision and scale: decimal(10,2)');
    if (precision < 1 || precision > 38) bad(at('type'), `precision ${precision} must be 1..38`);
    if (scale > precision) bad(at('type'), `scale ${scale} exceeds precision ${precision}`);
  } else if (precision !== undefined || scale !== undefined)
    bad(
      at(precision !== undefined ? 'precision' : 'scale'),
      `only decimal columns have precision and scale (this one is ${type})`,
    );
  if (type !== 'timestamp' && col.unit !== undefined)
    bad(at('unit'), `only timestamp columns have a unit (this one is ${type})`);
  return type === 'decimal' ? { type, precision: precision!, scale: scale! } : { type };
}

/** Checks a column's range and allowed values are values of its type, with min <= max. */
function checkValueBounds(
  spec: ColumnSpec,
  col: {
    readonly range?: readonly [number | string, number | string] | undefined;
    readonly allowed?: readonly (string | number | boolean)[] | undefined;
  },
  at: (k: string) => PathPart[],
  bad: (path: readonly PathPart[], message: string) => never,
): void {
  const { type } = spec;
  const codec = columnCodec(spec);
  if (col.range) {
    if (type === 'boolean') bad(at('range'), 'boolean columns have no range');
    const [lo, hi] = col.range.map((b, k) => {
      const v = codec.parse(typeof b === 'number' && !NUMERIC_TYPES.includes(type) ? String(b) : b);
      if (v === NOT_CONFORMING) return bad([...at('range'), k], `${show(b)} is not a ${type} value`);
      return v;
    });
    if (codec.compare(lo!, hi!) > 0)
      bad(at('range'), `[${String(col.range[0])}, ${String(col.range[1])}]: min exceeds max`);
  }
  col.allowed?.forEach((v, k) => {
    if (codec.parse(typeof v === 'string' ? v : type === 'string' ? String(v) : v) === NOT_CONFORMING) {
      bad([...at('allowed'), k], `${show(v)} is not a ${type} value`);
    }
  });
}

function toModel(file: ContractFile, source: string, loc: PathLocator): OutputContract {
  const bad: (path: readonly PathPart[], message: string) => never = (path, message) =>
    fail(source, loc, path, message);

  // Valid {placeholders} are removed; whatever brace is left is unbalanced or holds a bad name.
  const braces = file.path.replace(PLACEHOLDER_CHECK, (m) =>
    /^\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(m) ? '' : '{',
  );
  if (/[{}]/.test(braces)) bad(['path'], `'${file.path}' has an unbalanced or invalid {placeholder}`);
  if (file.convert_to === file.format)
    bad(['convert_to'], `'${file.convert_to}' is already the output's format`);
  if (file.partitioned && !file.path.endsWith('/'))
    bad(['path'], `a partitioned output is a folder: end '${file.path}' with /`);
  if (file.partition_by && !file.partitioned)
    bad(
      ['partition_by'],
      'partition columns come from the folders of a partitioned output: set partitioned: true',
    );
  if (file.csv && file.format !== 'csv')
    bad(['csv'], `CSV options need format: csv (format is ${file.format})`);
  if (file.csv) {
    // Each dialect character must be told apart from the others and from line ends, or a row
    // could be read two ways.
    const { delimiter, quote = '"', escape = quote } = file.csv;
    for (const [key, char] of [
      ['delimiter', delimiter],
      ['quote', quote],
      ['escape', escape],
    ] as const)
      if (char === '\n' || char === '\r') bad(['csv', key], 'cannot be a line end');
    if (quote === delimiter) bad(['csv', 'quote'], `is the delimiter too (${JSON.stringify(delimiter)})`);
    if (escape === delimiter) bad(['csv', 'escape'], `is the delimiter too (${JSON.stringify(delimiter)})`);
  }

  const names = new Set<string>();
  const schema: ColumnSpec[] = file.schema.map((col, i) => {
    const at = (k: string): PathPart[] => ['schema', i, k];
    if (names.has(col.name)) bad(at('name'), `'${col.name}' is declared twice`);
    names.add(col.name);
    const { type, precision, scale } = resolveColumnType(col, at, bad);
    if (type !== 'timestamp' && col.zone !== undefined)
      bad(at('zone'), `only timestamp columns have a zone (this one is ${type})`);
    if (type !== 'string' && col.length !== undefined)
      bad(at('length'), `length applies to string columns (this one is ${type})`);
    if (type !== 'string' && col.pattern !== undefined)
      bad(at('pattern'), `pattern applies to string columns (this one is ${type})`);
    if (col.pattern !== undefined) {
      try {
        compileContractRegex(col.pattern, 'whole');
      } catch (error) {
        if (!(error instanceof ContractError)) throw error;
        bad(at('pattern'), `${error.message} (column '${col.name}')`);
      }
    }
    const length = typeof col.length === 'number' ? ([col.length, col.length] as const) : col.length;
    if (length && length[0] > length[1]) bad(at('length'), `[${length[0]}, ${length[1]}]: min exceeds max`);
    // Two keys saying opposite things about one column: which one staging should believe is a guess.
    if (col.pii === true && col.classification === 'public')
      bad(
        at('classification'),
        `'${col.name}' is pii: true and classification: public; personal data is not public`,
      );

    const spec: ColumnSpec = {
      name: col.name,
      type,
      nullable: col.nullable,
      ...(type === 'timestamp' ? { unit: col.unit ?? 'us', zone: col.zone ?? 'UTC' } : {}),
      ...(type === 'decimal' ? { precision: precision!, scale: scale! } : {}),
      ...(col.range ? { range: col.range } : {}),
      ...(col.allowed ? { allowed: col.allowed } : {}),
      ...(col.pattern !== undefined ? { pattern: col.pattern } : {}),
      ...(length ? { length } : {}),
      ...(col.unique !== undefined ? { unique: col.unique } : {}),
      ...(col.pii !== undefined ? { pii: col.pii } : {}),
      ...(col.classification !== undefined ? { classification: col.classification } : {}),
      ...(col.generate ? { generate: col.generate } : {}),
      ...(col.description !== undefined ? { description: col.description } : {}),
    };
    checkValueBounds(spec, col, at, bad);
    return spec;
  });

  const expressionTypes = new Map(schema.map((c) => [c.name, expressionTypeOf(c.type)]));
  const ruleNames = new Set<string>();
  const quality: QualityRule[] = file.quality.map((rule, i) => {
    const at = (k: string): PathPart[] => ['quality', i, k];
    if (ruleNames.has(rule.name)) bad(at('name'), `'${rule.name}' is declared twice`);
    ruleNames.add(rule.name);
    const kind = rule.condition;
    const type = DEFAULT_RULE_TYPE[kind];
    if (rule.type !== undefined && rule.type !== type)
      bad(at('type'), `'${rule.type}' does not fit condition '${kind}'; expected '${type}'`);
    const needsField = kind !== 'expression' && !(kind === 'unique' && rule.fields);
    if (needsField && rule.field === undefined) bad(at('field'), `condition '${kind}' needs a field`);
    const col = rule.field === undefined ? undefined : schema.find((c) => c.name === rule.field);
    if (rule.field !== undefined && !col)
      bad(at('field'), `'${rule.field}' is not a column of the schema (${[...names].join(', ')})`);
    if (rule.fields && kind !== 'unique') bad(at('fields'), `fields applies to condition 'unique' only`);
    const numeric = (): void => {
      if (col && !NUMERIC_TYPES.includes(col.type))
        bad(at('condition'), `'${kind}' needs a numeric column; '${col.name}' is ${col.type}`);
    };
    const stringColumn = (): void => {
      if (col && col.type !== 'string')
        bad(at('condition'), `'${kind}' needs a string column; '${col.name}' is ${col.type}`);
    };
    const num = (): number =>
      typeof rule.value === 'number' ? rule.value : bad(at('value'), `${show(rule.value)} must be a number`);
    const pair = (): [number, number] => {
      const v = rule.value;
      if (
        !Array.isArray(v) ||
        v.length !== 2 ||
        typeof v[0] !== 'number' ||
        typeof v[1] !== 'number' ||
        v[0] > v[1]
      ) {
        return bad(at('value'), `${show(v)} must be [min, max] with min <= max`);
      }
      return [v[0], v[1]];
    };
    const noValue = (): void => {
      if (rule.value !== undefined) bad(at('value'), `'${kind}' takes no value`);
    };
    let condition: RuleCondition;
    switch (kind) {
      case 'not_null':
      case 'type_conforms':
        noValue();
        condition = { kind };
        break;
      case 'greater_than':
      case 'greater_or_equal':
      case 'less_than':
      case 'less_or_equal':
        numeric();
        condition = { kind, value: num() };
        break;
      case 'between':
      case 'mean_between':
      case 'stddev_between': {
        numeric();
        const [min, max] = pair();
        condition = { kind, min, max };
        break;
      }
      case 'quantile_between': {
        numeric();
        if (rule.quantile === undefined) bad(at('quantile'), "quantile_between needs 'quantile', e.g. 0.95");
        const [min, max] = pair();
        condition = { kind, quantile: rule.quantile, min, max };
        break;
      }
      case 'matches': {
        stringColumn();
        if (typeof rule.value !== 'string')
          bad(at('value'), `${show(rule.value)} must be a regular expression`);
        try {
          compileContractRegex(rule.value, 'search');
        } catch (error) {
          if (!(error instanceof ContractError)) throw error;
          bad(at('value'), `${error.message} (rule '${rule.name}', column '${rule.field ?? ''}')`);
        }
        condition = { kind, pattern: rule.value };
        break;
      }
      case 'in_set':
        if (!Array.isArray(rule.value) || rule.value.length === 0)
          bad(at('value'), `${show(rule.value)} must be a non-empty list of allowed values`);
        if (col) {
          const codec = columnCodec(col);
          rule.value.forEach((v, k) => {
            if (
              codec.parse(typeof v === 'string' ? v : col.type === 'string' ? String(v) : v) ===
              NOT_CONFORMING
            ) {
              bad(['quality', i, 'value', k], `${show(v)} is not a ${col.type} value`);
            }
          });
        }
        condition = { kind, values: rule.value };
        break;
      case 'length_between': {
        stringColumn();
        const [min, max] = pair();
        condition = { kind, min, max };
        break;
      }
      case 'format':
        stringColumn();
        if (typeof rule.value !== 'string' || !(VALUE_FORMATS as readonly string[]).includes(rule.value)) {
          bad(
            at('value'),
            `${show(rule.value)} is not a format; expected one of ${VALUE_FORMATS.join(', ')}`,
          );
        }
        condition = { kind, format: rule.value as (typeof VALUE_FORMATS)[number] };
        break;
      case 'unique': {
        const fields = rule.fields ?? [rule.field!];
        fields.forEach((f, k) => {
          if (!names.has(f)) bad(['quality', i, 'fields', k], `'${f}' is not a column of the schema`);
        });
        noValue();
        condition = { kind, fields };
        break;
      }
      case 'expression': {
        const expression = rule.expression ?? (typeof rule.value === 'string' ? rule.value : undefined);
        if (expression === undefined)
          bad(at('expression'), "condition 'expression' needs expression: 'a >= b'");
        try {
          compileExpression(expression, [...names], expressionTypes);
        } catch (error) {
          bad(at('expression'), `${(error as Error).message} (rule '${rule.name}')`);
        }
        condition = { kind, expression };
        break;
      }
      case 'max_age': {
        if (col && col.type !== 'timestamp' && col.type !== 'date')
          bad(at('condition'), `'max_age' needs a timestamp or date column; '${col.name}' is ${col.type}`);
        const seconds = typeof rule.value === 'string' ? parseDuration(rule.value) : undefined;
        if (seconds === undefined)
          bad(at('value'), `${show(rule.value)} must be a duration such as 15m, 24h, 7d or P1DT12H`);
        condition = { kind, seconds, text: rule.value as string };
        break;
      }
      case 'ks_test': {
        numeric();
        if (typeof rule.reference !== 'string')
          bad(at('reference'), 'ks_test needs reference: a sample file or s3:// URI');
        const max = num();
        if (max <= 0 || max > 1)
          bad(at('value'), `${max} must be the largest accepted KS statistic, in (0, 1]`);
        condition = { kind, reference: rule.reference, maxStatistic: max };
        break;
      }
      case 'exists_in': {
        const ref = rule.reference;
        if (typeof ref !== 'object')
          bad(at('reference'), 'exists_in needs reference: { output: step/output, field: column }');
        if (!/^[^/\s]+\/[^/\s]+(\/[^/\s]+)?$/.test(ref.output))
          bad(at('reference'), `'${ref.output}' must be step/output or pipeline/step/output`);
        condition = { kind, output: ref.output, field: ref.field };
        break;
      }
    }
    if ((DATASET_CONDITIONS as readonly string[]).includes(kind) && rule.threshold !== 1) {
      bad(at('threshold'), `'${kind}' passes or fails the whole output; it takes no threshold`);
    }
    return {
      name: rule.name,
      type,
      ...(rule.field !== undefined ? { field: rule.field } : {}),
      condition,
      threshold: rule.threshold,
      severity: rule.severity,
      ...(rule.on_unevaluated !== undefined ? { onUnevaluated: rule.on_unevaluated } : {}),
    };
  });

  const expectations: InputExpectation[] = [];
  const inputNames = new Set<string>();
  const inputs = file.inputs.map((entry, i) => {
    const input = typeof entry === 'string' ? entry : entry.output;
    const full = qualifiedName(file.pipeline, input);
    if (inputNames.has(full))
      bad(['inputs', i, ...(typeof entry === 'string' ? [] : ['output'])], `'${input}' is listed twice`);
    inputNames.add(full);
    if (typeof entry === 'string') return input;
    if (full === `${file.pipeline}/${file.step}/${file.output}`)
      bad(['inputs', i, 'output'], `'${input}' is this contract's own output`);
    const seen = new Set<string>();
    const columns = entry.columns?.map((col, k): ColumnSpec => {
      const at = (key: string): PathPart[] => ['inputs', i, 'columns', k, key];
      if (seen.has(col.name)) bad(at('name'), `'${col.name}' is declared twice`);
      seen.add(col.name);
      const { type, precision, scale } = resolveColumnType(col, at, bad);
      const spec: ColumnSpec = {
        name: col.name,
        type,
        nullable: col.nullable,
        ...(type === 'timestamp' ? { unit: col.unit ?? 'us' } : {}),
        ...(type === 'decimal' ? { precision: precision!, scale: scale! } : {}),
        ...(col.range ? { range: col.range } : {}),
        ...(col.allowed ? { allowed: col.allowed } : {}),
        ...(col.description !== undefined ? { description: col.description } : {}),
      };
      checkValueBounds(spec, col, at, bad);
      return spec;
    });
    expectations.push({
      input,
      index: i,
      ...(columns ? { columns } : {}),
      accepts: entry.accepts,
      onBreak: entry.on_break,
    });
    return input;
  });

  let history: HistorySettings | undefined;
  if (file.history) {
    const versions = file.history.versions ?? DEFAULT_HISTORY_SETTINGS.versions;
    const minVersions = file.history.min_versions ?? Math.min(DEFAULT_HISTORY_SETTINGS.minVersions, versions);
    if (minVersions > versions)
      bad(
        ['history', 'min_versions'],
        `${minVersions} exceeds versions (${versions}): the history would never be long enough`,
      );
    history = {
      versions,
      minVersions,
      threshold: file.history.threshold ?? DEFAULT_HISTORY_SETTINGS.threshold,
    };
  }

  const expected = file.expected ? expectationsOf(file.expected, { ...file, inputs }, bad) : undefined;

  return {
    pipeline: file.pipeline,
    step: file.step,
    output: file.output,
    ...(file.description !== undefined ? { description: file.description } : {}),
    path: file.path,
    format: file.format,
    ...(file.compression ? { compression: file.compression } : {}),
    csv: {
      delimiter: file.csv?.delimiter ?? ',',
      header: file.csv?.header ?? true,
      ...(file.csv?.quote !== undefined ? { quote: file.csv.quote } : {}),
      ...(file.csv?.escape !== undefined ? { escape: file.csv.escape } : {}),
      ...(file.csv?.lenient_quotes ? { lenientQuotes: true } : {}),
    },
    ...(file.convert_to ? { convertTo: file.convert_to } : {}),
    compatibility: file.compatibility,
    inputs,
    ...(expectations.length > 0 ? { expectations } : {}),
    ...(file.job_type !== undefined ? { jobType: file.job_type } : {}),
    allowExtraColumns: file.allow_extra_columns,
    ...(file.partitioned ? { partitioned: true } : {}),
    ...(file.partition_by ? { partitionBy: partitionColumns(file.partition_by, schema, bad) } : {}),
    schema,
    quality,
    ...(history ? { history } : {}),
    ...(expected ? { expected } : {}),
    ...(file.publish ? { publish: publishSpec(file.path, file.publish, bad) } : {}),
  };
}

/** Placeholders that name the pipeline run in a key template (as registration reads them). */
const RUN_PLACEHOLDERS = ['{run_id}', '{run}', '{execution_id}'];

function durationIn(
  text: string,
  path: readonly PathPart[],
  least: number,
  bad: (path: readonly PathPart[], message: string) => never,
): number {
  const seconds = parseDuration(text);
  if (seconds === undefined) bad(path, `'${text}' must be a duration such as 30m, 2h or PT90M`);
  if (seconds < least || seconds > EXPECTATION_LIMITS.maxSeconds)
    bad(path, `'${text}' must lie between ${least === 0 ? '0' : `${least} s`} and 7d`);
  return seconds;
}

/**
 * The `expected` entries: each a schedule (with an optional grace) or a delay after one of the
 * contract's declared inputs, for an output whose key names its run (the same run is matched).
 */
function expectationsOf(
  entries: NonNullable<ContractFile['expected']>,
  file: Pick<ContractFile, 'pipeline' | 'step' | 'output' | 'path'> & { readonly inputs: readonly string[] },
  bad: (path: readonly PathPart[], message: string) => never,
): Expectation[] {
  const seen = new Set<string>();
  return entries.map((entry, i): Expectation => {
    const at = (...k: PathPart[]): PathPart[] => ['expected', i, ...k];
    if ((entry.schedule === undefined) === (entry.after === undefined))
      bad(at(), 'give either schedule (with an optional grace) or after: { input, within }');
    if (entry.schedule !== undefined) {
      let schedule: ScheduleExpression;
      try {
        schedule = ScheduleExpression.parse(entry.schedule);
      } catch (error) {
        if (!(error instanceof ScheduleExpressionError)) throw error;
        return bad(at('schedule'), error.message);
      }
      if (seen.has(schedule.cron)) bad(at('schedule'), `'${entry.schedule}' is expected twice`);
      seen.add(schedule.cron);
      const graceText = entry.grace ?? '0s';
      const graceSeconds = durationIn(graceText, at('grace'), 0, bad);
      return { kind: 'schedule', index: i, schedule, graceSeconds, graceText };
    }
    if (entry.grace !== undefined) bad(at('grace'), 'grace goes with schedule; after has within');
    const after = entry.after!;
    const input = qualifiedName(file.pipeline, after.input);
    if (!file.inputs.some((name) => qualifiedName(file.pipeline, name) === input))
      bad(
        at('after', 'input'),
        `'${after.input}' is not an input of this contract (${file.inputs.join(', ') || 'none declared'}); list it under inputs`,
      );
    if (!RUN_PLACEHOLDERS.some((p) => file.path.includes(p)))
      bad(
        at('after'),
        `the output of the same run is expected, but path '${file.path}' names no run (${RUN_PLACEHOLDERS.join(', ')})`,
      );
    if (seen.has(`after:${input}`)) bad(at('after', 'input'), `'${after.input}' is expected after twice`);
    seen.add(`after:${input}`);
    const withinSeconds = durationIn(
      after.within,
      at('after', 'within'),
      EXPECTATION_LIMITS.leastWithinSeconds,
      bad,
    );
    return { kind: 'after', index: i, input: after.input, withinSeconds, withinText: after.within };
  });
}

/** The literal text of a key template before its first placeholder: every key it claims starts with it. */
function literalPrefix(template: string): string {
  const at = template.indexOf('{');
  return at < 0 ? template : template.slice(0, at);
}

function placeholderNames(template: string): string[] {
  return [...template.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]!);
}

/**
 * A gated output's publish key. The published copy is named from the staged key, so `to` may only
 * use placeholders `path` captures and must be a folder exactly when `path` is one. Staging and
 * published paths must not overlap: a published copy that its own contract claimed would be
 * registered and tested as a new arrival, and a staged object landing under the published path
 * would be read by consumers before its test. The check is on the literal prefixes (the text before
 * the first placeholder): when neither starts with the other, no key can be claimed by both.
 */
function publishSpec(
  path: string,
  publish: NonNullable<ContractFile['publish']>,
  bad: (path: readonly PathPart[], message: string) => never,
): PublishSpec {
  const { to } = publish;
  const braces = to.replace(PLACEHOLDER_CHECK, (m) => (/^\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(m) ? '' : '{'));
  if (/[{}]/.test(braces)) bad(['publish', 'to'], `'${to}' has an unbalanced or invalid {placeholder}`);
  const captured = new Set(placeholderNames(path));
  for (const name of placeholderNames(to))
    if (!captured.has(name))
      bad(
        ['publish', 'to'],
        `{${name}} is not a placeholder of path '${path}': the published key is named from the staged key`,
      );
  if (to.endsWith('/') !== path.endsWith('/'))
    bad(
      ['publish', 'to'],
      path.endsWith('/')
        ? `path '${path}' is a folder: end '${to}' with / too, so each staged object keeps its name under it`
        : `path '${path}' names one key: '${to}' must name one key too (no trailing /)`,
    );
  const staged = literalPrefix(path);
  const published = literalPrefix(to);
  if (staged.startsWith(published) || published.startsWith(staged))
    bad(
      ['publish', 'to'],
      `'${to}' overlaps the staging path '${path}' (literal prefixes '${published}' and '${staged}'): a published copy would be claimed as a new arrival, or a staged object read before its test; publish under a prefix of its own`,
    );
  const when = [...new Set(publish.when)];
  if (!when.includes('passed'))
    bad(['publish', 'when'], 'must include passed: a version that passes every check is always publishable');
  return { to, when };
}

/**
 * The declared partition columns: schema columns, each once. A folder's text is parsed as its
 * column's type, so any scalar type is allowed; the value of a part's folder is checked per part.
 */
function partitionColumns(
  names: readonly string[],
  schema: readonly ColumnSpec[],
  bad: (path: readonly PathPart[], message: string) => never,
): readonly string[] {
  const seen = new Set<string>();
  names.forEach((name, i) => {
    if (!schema.some((c) => c.name === name))
      bad(['partition_by', i], `'${name}' is not a column of the schema; declare its type there`);
    if (seen.has(name)) bad(['partition_by', i], `'${name}' is named twice`);
    if (name.includes('/') || name.includes('='))
      bad(['partition_by', i], `'${name}' cannot name a folder (no '/' or '=')`);
    seen.add(name);
  });
  return names;
}
