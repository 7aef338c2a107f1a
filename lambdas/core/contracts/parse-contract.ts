/**
 * Loads a YAML or JSON contract into the typed model. Every problem is a ContractError naming the
 * source, the line and the key path ("schema[2].type: 'integer' is not a type; expected one of ..."),
 * so a person can fix the file without reading a stack trace.
 */
import { LineCounter, parseDocument, isMap, isSeq, type Node } from 'yaml';
import { ContractError } from '../errors';
import {
  COLUMN_TYPES,
  COMPATIBILITY_LEVELS,
  DATA_FORMATS,
  type ColumnSpec,
  type OutputContract,
  type QualityRule,
  type RuleCondition,
} from './output-contract';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const CONDITIONS = ['not_null', 'greater_than', 'less_than', 'between'] as const;

class Reader {
  constructor(
    private readonly source: string,
    private readonly root: Node | null,
    private readonly lines: LineCounter,
  ) {}

  /** Line of the YAML node at a key path, for error messages. */
  private lineOf(path: readonly (string | number)[]): number | undefined {
    let node: unknown = this.root;
    let line: number | undefined;
    for (const step of path) {
      if (isMap(node) || isSeq(node)) {
        const next: unknown = node.get(step, true);
        if (next === undefined) break;
        node = next;
      } else break;
    }
    const range = (node as { range?: [number, number, number] } | null)?.range;
    if (range) line = this.lines.linePos(range[0]).line;
    return line;
  }

  fail(path: readonly (string | number)[], message: string): never {
    const line = this.lineOf(path);
    const where = path.reduce<string>(
      (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p),
      '',
    );
    throw new ContractError(
      `${line !== undefined ? `line ${line}: ` : ''}${where || '(root)'}: ${message}`,
      this.source,
    );
  }
}

function describe(v: Json | undefined): string {
  return v === undefined ? 'missing' : `'${typeof v === 'string' ? v : JSON.stringify(v)}'`;
}

function isObject(v: Json | undefined): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseContract(text: string, source: string): OutputContract {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const line = first.linePos?.[0]?.line;
    throw new ContractError(
      `${line !== undefined ? `line ${line}: ` : ''}not valid YAML/JSON: ${first.message.split('\n')[0]}`,
      source,
    );
  }
  const r: Reader = new Reader(source, doc.contents, lines);
  const raw = doc.toJS({ maxAliasCount: 50 }) as Json;
  if (!isObject(raw))
    r.fail([], 'a contract must be a mapping of keys (pipeline, step, output, path, schema, ...)');

  const known = new Set([
    'pipeline',
    'step',
    'output',
    'path',
    'format',
    'convert_to',
    'compatibility',
    'inputs',
    'job_type',
    'allow_extra_columns',
    'schema',
    'quality',
    'description',
  ]);
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) r.fail([key], `unknown key; expected one of ${[...known].join(', ')}`);
  }

  const name = (key: string): string => {
    const v = raw[key];
    if (typeof v !== 'string' || !NAME.test(v))
      r.fail([key], `${describe(v)} must be a name (letters, digits, _ . -)`);
    return v;
  };
  const oneOf = <T extends string>(
    key: string,
    allowed: readonly T[],
    v: Json | undefined,
    path = [key],
  ): T => {
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
      r.fail(path, `${describe(v)} is not valid; expected one of ${allowed.join(', ')}`);
    }
    return v as T;
  };

  const path = raw['path'];
  if (typeof path !== 'string' || path.length === 0 || path.startsWith('/')) {
    r.fail(
      ['path'],
      `${describe(path)} must be an S3 key template such as pipelines/sales/{run_id}/preprocessing/out/`,
    );
  }
  if (/\{(?![A-Za-z_][A-Za-z0-9_]*\})/.test(path) || /(?<!\{[A-Za-z0-9_]*)\}/.test(path)) {
    r.fail(['path'], `'${path}' has an unbalanced or invalid {placeholder}`);
  }

  const inputsRaw = raw['inputs'] ?? [];
  if (!Array.isArray(inputsRaw))
    r.fail(['inputs'], 'must be a list of step/output or pipeline/step/output names');
  const inputs = inputsRaw.map((v, i) => {
    if (typeof v !== 'string' || !/^[^/\s]+\/[^/\s]+(\/[^/\s]+)?$/.test(v)) {
      r.fail(['inputs', i], `${describe(v)} must be step/output or pipeline/step/output`);
    }
    return v;
  });

  const schemaRaw = raw['schema'];
  if (!Array.isArray(schemaRaw) || schemaRaw.length === 0)
    r.fail(['schema'], 'must be a non-empty list of columns');
  const seen = new Set<string>();
  const schema: ColumnSpec[] = schemaRaw.map((col, i) => {
    if (!isObject(col)) r.fail(['schema', i], 'must be a mapping with name and type');
    for (const key of Object.keys(col)) {
      if (!['name', 'type', 'nullable', 'description'].includes(key)) {
        r.fail(['schema', i, key], 'unknown column key; expected name, type, nullable, description');
      }
    }
    const colName = col['name'];
    if (typeof colName !== 'string' || colName.length === 0)
      r.fail(['schema', i, 'name'], `${describe(colName)} must be a column name`);
    if (seen.has(colName)) r.fail(['schema', i, 'name'], `'${colName}' is declared twice`);
    seen.add(colName);
    const type = oneOf('type', COLUMN_TYPES, col['type'], ['schema', i, 'type'] as never);
    const nullable = col['nullable'] ?? true;
    if (typeof nullable !== 'boolean')
      r.fail(['schema', i, 'nullable'], `${describe(nullable)} must be true or false`);
    return { name: colName, type, nullable };
  });

  const qualityRaw = raw['quality'] ?? [];
  if (!Array.isArray(qualityRaw)) r.fail(['quality'], 'must be a list of rules');
  const ruleNames = new Set<string>();
  const quality: QualityRule[] = qualityRaw.map((rule, i) => {
    const at = (k: string): (string | number)[] => ['quality', i, k];
    if (!isObject(rule))
      r.fail(['quality', i], 'must be a mapping (name, type, field, condition, threshold, severity)');
    const ruleName = rule['name'];
    if (typeof ruleName !== 'string' || ruleName.length === 0)
      r.fail(at('name'), `${describe(ruleName)} must be a rule name`);
    if (ruleNames.has(ruleName)) r.fail(at('name'), `'${ruleName}' is declared twice`);
    ruleNames.add(ruleName);
    const field = rule['field'];
    if (typeof field !== 'string' || !seen.has(field)) {
      r.fail(at('field'), `${describe(field)} is not a column of the schema (${[...seen].join(', ')})`);
    }
    const kind = oneOf('condition', CONDITIONS, rule['condition'], at('condition') as never);
    const type = kind === 'not_null' ? 'completeness' : 'accuracy';
    const declaredType = rule['type'] ?? type;
    if (declaredType !== type)
      r.fail(at('type'), `${describe(declaredType)} does not fit condition '${kind}'; expected '${type}'`);
    const num = (k: string): number => {
      const v = rule[k];
      if (typeof v !== 'number' || !Number.isFinite(v)) r.fail(at(k), `${describe(v)} must be a number`);
      return v;
    };
    let condition: RuleCondition;
    if (kind === 'not_null') condition = { kind };
    else if (kind === 'between') {
      const range = rule['value'];
      if (
        !Array.isArray(range) ||
        range.length !== 2 ||
        typeof range[0] !== 'number' ||
        typeof range[1] !== 'number' ||
        range[0] > range[1]
      ) {
        r.fail(at('value'), `${describe(range)} must be [min, max] with min <= max`);
      }
      condition = { kind, min: range[0], max: range[1] };
    } else condition = { kind, value: num('value') };
    if (kind !== 'not_null') {
      const col = schema.find((c) => c.name === field);
      if (col && !['int32', 'int64', 'float32', 'float64'].includes(col.type)) {
        r.fail(at('condition'), `'${kind}' needs a numeric column; '${field}' is ${col.type}`);
      }
    }
    const threshold = rule['threshold'] ?? 1;
    if (typeof threshold !== 'number' || threshold < 0 || threshold > 1)
      r.fail(at('threshold'), `${describe(threshold)} must be a fraction between 0 and 1`);
    const severity = oneOf(
      'severity',
      ['error', 'warn'] as const,
      rule['severity'] ?? 'error',
      at('severity') as never,
    );
    for (const key of Object.keys(rule)) {
      if (
        !['name', 'type', 'field', 'condition', 'value', 'threshold', 'severity', 'description'].includes(key)
      ) {
        r.fail(
          at(key),
          'unknown rule key; expected name, type, field, condition, value, threshold, severity',
        );
      }
    }
    return { name: ruleName, type, field, condition, threshold, severity };
  });

  const allowExtra = raw['allow_extra_columns'] ?? true;
  if (typeof allowExtra !== 'boolean')
    r.fail(['allow_extra_columns'], `${describe(allowExtra)} must be true or false`);
  const jobType = raw['job_type'];
  if (jobType !== undefined && typeof jobType !== 'string')
    r.fail(['job_type'], `${describe(jobType)} must be a string`);

  const format = oneOf('format', DATA_FORMATS, raw['format'] ?? 'csv');
  const convertTo =
    raw['convert_to'] === undefined || raw['convert_to'] === null
      ? undefined
      : oneOf('convert_to', DATA_FORMATS, raw['convert_to']);
  if (convertTo === format) r.fail(['convert_to'], `'${convertTo}' is already the output's format`);

  return {
    pipeline: name('pipeline'),
    step: name('step'),
    output: name('output'),
    path,
    format,
    ...(convertTo ? { convertTo } : {}),
    compatibility: oneOf('compatibility', COMPATIBILITY_LEVELS, raw['compatibility'] ?? 'compatible'),
    inputs,
    ...(jobType !== undefined ? { jobType } : {}),
    allowExtraColumns: allowExtra,
    schema,
    quality,
  };
}
