/**
 * Reads an Open Data Contract Standard v3 document into prt's contract file form, which the
 * contract loader then checks like any prt contract. One ODCS schema object is one prt output:
 * its properties are the columns, its library quality metrics the rules, its s3 server the key
 * template. Whatever prt cannot map is never dropped in silence: it is a warning naming the
 * feature and where it sits, or a ContractError when reading it any other way would change what
 * the contract means (a type prt has no column for, a classification staging would not mask).
 */
import { parse } from 'yaml';
import { ContractError } from '../../errors';
import { CLASSIFICATIONS, DATA_FORMATS, VALUE_FORMATS } from '../contract-schema';
import {
  documentPathText,
  type DocumentPath,
  PRT_COLUMN_KEY_PROPERTY,
  PRT_COLUMN_PROPERTY,
  PRT_CONTRACT_PROPERTY,
  PRT_ENGINE,
  PRT_ON_UNEVALUATED_PROPERTY,
  roundShare,
  UNBOUNDED_LENGTH,
} from './odcs-terms';
import { expectedFromSla } from './odcs-sla';

type Json = Record<string, unknown>;

/** A part of an ODCS document prt does not use, named with where it is. */
export interface OdcsImportWarning {
  /** Key path in the ODCS document: `schema[0].properties[2].quality[0]`. */
  readonly path: string;
  /** Line in the document, when known. */
  readonly line?: number;
  /** The ODCS feature: a key (`slaProperties`), a metric (`rowCount`), an operator... */
  readonly feature: string;
  readonly message: string;
}

export interface OdcsImportOptions {
  /** The schema object to read when the document has several. */
  readonly object?: string;
  /** Names and key template to use instead of those the document gives (or lacks). */
  readonly pipeline?: string;
  readonly step?: string;
  readonly output?: string;
  readonly path?: string;
}

export interface OdcsImport {
  /** The contract in prt's file form (what a prt YAML contract holds). */
  readonly file: Json;
  readonly warnings: readonly OdcsImportWarning[];
  /** Where in the ODCS document a key of the file form came from: `schema[2]` → its property. */
  originOf(prtPath: readonly (string | number)[]): DocumentPath | undefined;
}

const PRT_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** Why prt leaves a documented ODCS key out; any other unused key is reported as not mapped. */
const REASONS: Readonly<Record<string, string>> = {
  slaDefaultElement: 'service levels are not checked by prt',
  team: 'ownership is not part of a prt contract',
  roles: 'access roles are not part of a prt contract',
  support: 'support channels are not part of a prt contract',
  price: 'pricing is not part of a prt contract',
  relationships: 'relationships between objects are not checked (prt rule exists_in names an output)',
  schedule: 'prt checks every arriving version, not on a schedule',
  scheduler: 'prt checks every arriving version, not on a schedule',
  examples: 'prt generates its own sample values',
};

/** A document value as text for a message: scalars as written, anything else as JSON. */
function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return `${v}`;
  return JSON.stringify(v);
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const PHYSICAL_TYPES: Readonly<Record<string, string>> = {
  string: 'string',
  varchar: 'string',
  char: 'string',
  nvarchar: 'string',
  nchar: 'string',
  text: 'string',
  character: 'string',
  'character varying': 'string',
  uuid: 'string',
  int: 'int32',
  integer: 'int32',
  int4: 'int32',
  int32: 'int32',
  smallint: 'int32',
  int2: 'int32',
  tinyint: 'int32',
  mediumint: 'int32',
  bigint: 'int64',
  int8: 'int64',
  long: 'int64',
  int64: 'int64',
  float: 'float64',
  double: 'float64',
  'double precision': 'float64',
  float8: 'float64',
  float64: 'float64',
  real: 'float32',
  float4: 'float32',
  float32: 'float32',
  boolean: 'boolean',
  bool: 'boolean',
  date: 'date',
  timestamp: 'timestamp',
  timestamptz: 'timestamp',
  datetime: 'timestamp',
  timestamp_ntz: 'timestamp',
  timestamp_ltz: 'timestamp',
  timestamp_tz: 'timestamp',
  'timestamp with time zone': 'timestamp',
  'timestamp without time zone': 'timestamp',
};

/** The ODCS logical type a prt type belongs to. */
function familyOf(type: string): string {
  if (type === 'int32' || type === 'int64') return 'integer';
  if (type === 'float32' || type === 'float64' || type.startsWith('decimal')) return 'number';
  return type;
}

const INTEGER_FORMATS: Readonly<Record<string, string>> = {
  i8: 'int32',
  i16: 'int32',
  i32: 'int32',
  u8: 'int32',
  u16: 'int32',
  i64: 'int64',
  u32: 'int64',
  u64: 'decimal(20,0)',
};

const OPERATORS = [
  'mustBe',
  'mustNotBe',
  'mustBeGreaterThan',
  'mustBeGreaterOrEqualTo',
  'mustBeLessThan',
  'mustBeLessOrEqualTo',
  'mustBeBetween',
  'mustNotBeBetween',
] as const;

const VALUE_FORMAT_OF: Readonly<Record<string, string>> = {
  email: 'email',
  uuid: 'uuid',
  ipv4: 'ipv4',
  ipv6: 'ipv6',
  uri: 'url',
  url: 'url',
  date: 'date',
  'date-time': 'timestamp',
};

/** A literal of prt's expression language. */
function literal(v: string | number | boolean): string {
  return typeof v === 'string' ? `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : text(v);
}

class OdcsReader {
  readonly warnings: OdcsImportWarning[] = [];
  readonly origins = new Map<string, DocumentPath>();
  private readonly ruleNames = new Set<string>();

  constructor(
    private readonly source: string,
    private readonly lineOf: (path: DocumentPath) => number | undefined,
  ) {}

  fail(path: DocumentPath, message: string): never {
    const line = this.lineOf(path);
    throw new ContractError(
      `${line !== undefined ? `line ${line}: ` : ''}${documentPathText(path)}: ${message}`,
      this.source,
    );
  }

  warn(path: DocumentPath, feature: string, message: string): void {
    const line = this.lineOf(path);
    this.warnings.push({
      path: documentPathText(path),
      ...(line !== undefined ? { line } : {}),
      feature,
      message,
    });
  }

  /** Reports every key of `value` prt does not read. */
  unused(value: Json, path: DocumentPath, read: readonly string[]): void {
    for (const key of Object.keys(value)) {
      if (read.includes(key)) continue;
      this.warn([...path, key], key, `not mapped: ${REASONS[key] ?? 'prt does not use it'}`);
    }
  }

  /** A rule name that is a prt name and not taken yet. */
  ruleName(wanted: string, path: DocumentPath): string {
    let name = wanted.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^[.-]/, '_');
    if (name !== wanted) this.warn(path, 'name', `'${wanted}' is not a prt rule name; read as '${name}'`);
    if (this.ruleNames.has(name)) {
      let n = 2;
      while (this.ruleNames.has(`${name}_${n}`)) n++;
      name = `${name}_${n}`;
    }
    this.ruleNames.add(name);
    return name;
  }

  /** prt custom properties of a block, by name; any other custom property is reported. */
  custom(
    value: unknown,
    path: DocumentPath,
    known: readonly string[],
  ): Map<string, { value: unknown; path: DocumentPath }> {
    const found = new Map<string, { value: unknown; path: DocumentPath }>();
    if (value === undefined) return found;
    if (!Array.isArray(value)) this.fail(path, 'customProperties must be a list');
    value.forEach((entry: unknown, i) => {
      const at = [...path, i];
      if (!isObject(entry) || typeof entry.property !== 'string')
        this.fail(at, 'a custom property needs property and value');
      if (known.includes(entry.property))
        found.set(entry.property, { value: entry.value, path: [...at, 'value'] });
      else this.warn(at, `customProperties.${entry.property}`, 'not mapped: prt does not use it');
    });
    return found;
  }

  /**
   * The prt threshold of a library check: the share of rows that must pass, from a bound on the
   * failing rows. Undefined (with a warning) when the bound says something prt cannot: a count
   * of rows other than zero, a lower bound on failures, a unit other than rows or percent.
   */
  threshold(item: Json, path: DocumentPath, name: string): number | undefined {
    const operators = OPERATORS.filter((op) => item[op] !== undefined);
    if (operators.length !== 1) {
      this.warn(
        path,
        name,
        `not mapped: a library check needs one mustBe… operator (found ${operators.length})`,
      );
      return undefined;
    }
    const op = operators[0]!;
    const bound = item[op];
    const unit = item.unit ?? 'rows';
    if (unit !== 'rows' && unit !== 'percent') {
      this.warn([...path, 'unit'], `unit ${text(unit)}`, 'not mapped: prt reads rows or percent');
      return undefined;
    }
    if (typeof bound !== 'number') {
      this.warn([...path, op], op, `not mapped: prt reads a number of failing ${unit}`);
      return undefined;
    }
    if (op === 'mustBe' && bound === 0) return 1;
    if (unit === 'rows') {
      if (
        (op === 'mustBeLessOrEqualTo' && bound >= 0 && bound < 1) ||
        (op === 'mustBeLessThan' && bound > 0 && bound <= 1)
      )
        return 1;
      this.warn(
        [...path, op],
        `${op} ${bound} rows`,
        'not mapped: prt thresholds are shares of the rows; a count of failing rows other than zero has none',
      );
      return undefined;
    }
    if ((op === 'mustBeLessOrEqualTo' || op === 'mustBeLessThan') && bound >= 0) {
      if (op === 'mustBeLessThan')
        this.warn(
          [...path, op],
          op,
          `read as at most ${bound}% failing: prt's pass threshold includes its bound`,
        );
      return roundShare(1 - Math.min(bound, 100) / 100);
    }
    this.warn([...path, op], op, 'not mapped: prt bounds the failing rows from above only');
    return undefined;
  }

  severity(item: Json, path: DocumentPath): 'error' | 'warn' {
    const severity = item.severity;
    if (severity === undefined || severity === 'error') return 'error';
    if (severity === 'warning' || severity === 'warn') return 'warn';
    if (severity === 'info') {
      this.warn([...path, 'severity'], 'severity info', "read as 'warn': prt has no check that cannot warn");
      return 'warn';
    }
    return this.fail(
      [...path, 'severity'],
      `'${text(severity)}' is not a severity prt reads (error, warning, info)`,
    );
  }
}

interface Column {
  readonly file: Json;
  /** Rules read from the property (its logical type options and its quality checks). */
  readonly rules: Json[];
}

function readType(reader: OdcsReader, prop: Json, at: DocumentPath, name: string): string {
  const logical = prop.logicalType;
  const options = isObject(prop.logicalTypeOptions) ? prop.logicalTypeOptions : {};
  let fromPhysical: string | undefined;
  if (typeof prop.physicalType === 'string') {
    const physical = prop.physicalType.trim().toLowerCase();
    const decimal = /^(?:decimal|numeric)\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)$/.exec(physical);
    fromPhysical = decimal
      ? `decimal(${decimal[1]},${decimal[2]})`
      : PHYSICAL_TYPES[physical.replace(/\s*\(.*\)$/, '')];
  }
  if (logical === undefined) {
    if (fromPhysical !== undefined) return fromPhysical;
    return reader.fail(at, `'${name}' has no logicalType, and its physicalType is not one prt knows`);
  }
  if (fromPhysical !== undefined && familyOf(fromPhysical) === logical) return fromPhysical;
  if (fromPhysical !== undefined)
    reader.warn(
      [...at, 'physicalType'],
      'physicalType',
      `'${text(prop.physicalType)}' disagrees with logicalType '${text(logical)}'; the logical type is read`,
    );
  switch (logical) {
    case 'string':
    case 'boolean':
    case 'date':
    case 'timestamp':
      return text(logical);
    case 'integer': {
      const format = options.format ?? 'i64';
      const type = INTEGER_FORMATS[text(format)];
      if (type === undefined)
        reader.fail(
          [...at, 'logicalTypeOptions', 'format'],
          `'${text(format)}' integers have no prt type (up to u64)`,
        );
      return type;
    }
    case 'number':
      return options.format === 'f32' ? 'float32' : 'float64';
    default:
      return reader.fail(
        [...at, 'logicalType'],
        `'${text(logical)}' has no prt column type (prt columns are flat: string, integer, number, boolean, date, timestamp)`,
      );
  }
}

function readOptions(reader: OdcsReader, prop: Json, at: DocumentPath, column: Json, rules: Json[]): void {
  if (prop.logicalTypeOptions === undefined) return;
  const optionsAt = [...at, 'logicalTypeOptions'];
  if (!isObject(prop.logicalTypeOptions)) reader.fail(optionsAt, 'must be a mapping');
  const options = prop.logicalTypeOptions;
  const name = column.name as string;
  const type = column.type as string;
  const read: string[] = ['format'];
  const rule = (suffix: string, key: string, shape: Json): void => {
    const ruleName = reader.ruleName(`${name}_${suffix}`, [...optionsAt, key]);
    reader.origins.set(`rule:${ruleName}`, [...optionsAt, key]);
    rules.push({ name: ruleName, field: name, ...shape, threshold: 1 });
  };
  if (type === 'string') {
    read.push('pattern', 'minLength', 'maxLength');
    if (typeof options.pattern === 'string') {
      // The export's whole-value form comes back as the column pattern; any other pattern may match
      // a part of the value, as prt's `matches` rule does.
      const whole = /^\^\(\?:([\s\S]*)\)\$$/.exec(options.pattern);
      if (whole) column.pattern = whole[1];
      else rule('pattern', 'pattern', { condition: 'matches', value: options.pattern });
    }
    if (options.minLength !== undefined || options.maxLength !== undefined)
      column.length = [options.minLength ?? 0, options.maxLength ?? UNBOUNDED_LENGTH];
    if (options.format !== undefined) {
      const format = VALUE_FORMAT_OF[text(options.format)];
      if (format !== undefined && (VALUE_FORMATS as readonly string[]).includes(format))
        rule('format', 'format', { condition: 'format', value: format });
      else
        reader.warn(
          [...optionsAt, 'format'],
          `format ${text(options.format)}`,
          'not mapped: prt checks email, uuid, url, ipv4, ipv6, date and date-time',
        );
    }
  } else if (familyOf(type) === 'integer' || familyOf(type) === 'number') {
    read.push('minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum');
    const { minimum, maximum } = options;
    if (minimum !== undefined && maximum !== undefined) column.range = [minimum, maximum];
    else if (minimum !== undefined)
      rule('minimum', 'minimum', { condition: 'greater_or_equal', value: minimum });
    else if (maximum !== undefined)
      rule('maximum', 'maximum', { condition: 'less_or_equal', value: maximum });
    if (options.exclusiveMinimum !== undefined)
      rule('exclusive_minimum', 'exclusiveMinimum', {
        condition: 'greater_than',
        value: options.exclusiveMinimum,
      });
    if (options.exclusiveMaximum !== undefined)
      rule('exclusive_maximum', 'exclusiveMaximum', {
        condition: 'less_than',
        value: options.exclusiveMaximum,
      });
  } else if (type === 'date' || type === 'timestamp') {
    read.push('minimum', 'maximum', 'timezone');
    if (options.minimum !== undefined && options.maximum !== undefined)
      column.range = [options.minimum, options.maximum];
    else if (options.minimum !== undefined || options.maximum !== undefined)
      reader.warn(
        optionsAt,
        'minimum/maximum',
        'not mapped: prt bounds dates and timestamps with both ends (range)',
      );
    if (type === 'timestamp' && options.defaultTimezone !== undefined) {
      read.push('defaultTimezone');
      const zone = text(options.defaultTimezone);
      if (zone === 'Etc/UTC' || zone === 'UTC') column.zone = 'UTC';
      else if (/^[+-]\d{2}:\d{2}$/.test(zone)) column.zone = zone;
      else
        reader.fail(
          [...optionsAt, 'defaultTimezone'],
          `'${zone}': prt reads zone-less timestamps in UTC or a fixed offset such as +05:30`,
        );
    }
    if (options.format !== undefined)
      reader.warn([...optionsAt, 'format'], 'format', 'not mapped: prt reads ISO 8601 dates and timestamps');
  }
  reader.unused(options, optionsAt, read);
}

/** A library check's rule(s), or none (with a warning) when prt has no such check. */
function readLibrary(
  reader: OdcsReader,
  item: Json,
  at: DocumentPath,
  field: string | undefined,
  columns: readonly string[],
): { rules: Json[]; allowed?: unknown[] } {
  const metric = text(item.metric ?? item.rule);
  const args = item.arguments === undefined ? {} : item.arguments;
  if (!isObject(args)) return reader.fail([...at, 'arguments'], 'must be a mapping');
  const needsField = (): boolean => {
    if (field !== undefined) return true;
    reader.warn(
      at,
      metric,
      `not mapped: '${metric}' counts the values of one property; put it under the property`,
    );
    return false;
  };
  const threshold = (): number | undefined => reader.threshold(item, at, metric);
  switch (metric) {
    case 'nullValues': {
      const t = needsField() ? threshold() : undefined;
      return { rules: t === undefined ? [] : [{ field, condition: 'not_null', threshold: t }] };
    }
    case 'missingValues': {
      if (!needsField()) return { rules: [] };
      const missing = args.missingValues ?? [null, ''];
      if (!Array.isArray(missing))
        return reader.fail([...at, 'arguments', 'missingValues'], 'must be a list');
      const t = threshold();
      if (t === undefined) return { rules: [] };
      const values = missing.filter((v): v is string | number | boolean => v !== null);
      if (values.some((v) => !['string', 'number', 'boolean'].includes(typeof v)))
        return reader.fail(
          [...at, 'arguments', 'missingValues'],
          'missing values must be text, numbers or booleans',
        );
      if (values.length === 0) return { rules: [{ field, condition: 'not_null', threshold: t }] };
      // A null compares as unknown in prt's expressions, so listing null as missing needs is_null.
      const notListed = `not (\`${field}\` in (${values.map(literal).join(', ')}))`;
      return {
        rules: [
          {
            condition: 'expression',
            expression: missing.includes(null) ? `not is_null(\`${field}\`) and ${notListed}` : notListed,
            threshold: t,
          },
        ],
      };
    }
    case 'invalidValues': {
      if (!needsField()) return { rules: [] };
      if (args.validValues === undefined && args.pattern === undefined) {
        reader.warn(at, metric, 'not mapped: invalidValues needs arguments validValues or pattern');
        return { rules: [] };
      }
      const t = threshold();
      if (t === undefined) return { rules: [] };
      const rules: Json[] = [];
      if (args.validValues !== undefined) {
        if (!Array.isArray(args.validValues))
          return reader.fail([...at, 'arguments', 'validValues'], 'must be a list');
        // prt skips nulls when it checks a set; a null among the valid values says the same.
        const values = args.validValues.filter((v) => v !== null);
        if (values.length === 0)
          reader.warn([...at, 'arguments', 'validValues'], 'validValues', 'not mapped: only null is listed');
        else rules.push({ field, condition: 'in_set', value: values, threshold: t });
      }
      if (typeof args.pattern === 'string')
        rules.push({ field, condition: 'matches', value: args.pattern, threshold: t });
      return { rules };
    }
    case 'duplicateValues': {
      const t = threshold();
      if (t === undefined) return { rules: [] };
      if (field !== undefined) return { rules: [{ field, condition: 'unique', threshold: t }] };
      const props = args.properties ?? columns;
      if (!Array.isArray(props) || props.some((p) => typeof p !== 'string'))
        return reader.fail([...at, 'arguments', 'properties'], 'must be a list of property names');
      return { rules: [{ fields: props, condition: 'unique', threshold: t }] };
    }
    case 'rowCount':
      reader.warn(at, 'rowCount', 'not mapped: prt has no row-count rule');
      return { rules: [] };
    default:
      reader.warn(at, `metric ${metric}`, 'not mapped: not a library metric prt reads');
      return { rules: [] };
  }
}

/** Rules of one ODCS quality list, at a property (`field`) or at the schema object. */
function readQuality(
  reader: OdcsReader,
  list: unknown,
  path: DocumentPath,
  field: string | undefined,
  columns: readonly string[],
): { rules: Json[]; allowed?: unknown[] } {
  if (list === undefined) return { rules: [] };
  if (!Array.isArray(list)) return reader.fail(path, 'quality must be a list');
  const rules: Json[] = [];
  let allowed: unknown[] | undefined;
  list.forEach((item: unknown, k) => {
    const at = [...path, k];
    if (!isObject(item)) reader.fail(at, 'a quality check must be a mapping');
    const type = item.type ?? (item.metric !== undefined || item.rule !== undefined ? 'library' : undefined);
    const custom = reader.custom(
      item.customProperties,
      [...at, 'customProperties'],
      [PRT_COLUMN_KEY_PROPERTY, PRT_ON_UNEVALUATED_PROPERTY],
    );
    let found: Json[];
    if (type === 'library') {
      const args = isObject(item.arguments) ? item.arguments : {};
      if (
        custom.get(PRT_COLUMN_KEY_PROPERTY)?.value === 'allowed' &&
        Array.isArray(args.validValues) &&
        item.mustBe === 0
      ) {
        allowed = args.validValues;
        reader.unused(item, at, [
          'name',
          'type',
          'metric',
          'arguments',
          'mustBe',
          'unit',
          'severity',
          'customProperties',
        ]);
        return;
      }
      found = readLibrary(reader, item, at, field, columns).rules;
    } else if (type === 'custom' && item.engine === PRT_ENGINE) {
      let rule: unknown = item.implementation;
      if (typeof rule === 'string') {
        try {
          rule = parse(rule, { maxAliasCount: 10 });
        } catch (error) {
          reader.fail(
            [...at, 'implementation'],
            `not a prt rule in YAML: ${(error as Error).message.split('\n')[0]}`,
          );
        }
      }
      if (!isObject(rule)) return reader.fail([...at, 'implementation'], 'a prt check is a prt rule mapping');
      found = [{ ...(field !== undefined && rule.fields === undefined ? { field } : {}), ...rule }];
    } else {
      const what =
        type === 'custom'
          ? `engine ${text(item.engine)}`
          : type === 'sql'
            ? 'sql'
            : type === 'text'
              ? 'text'
              : `type ${text(type)}`;
      reader.warn(
        at,
        what,
        `not mapped: ${type === 'custom' ? `checks for ${text(item.engine)} are run by it, not by prt` : type === 'sql' ? 'prt does not run SQL checks on outputs' : type === 'text' ? 'a text check is not executable' : 'unknown check type'}`,
      );
      return;
    }
    const severity = type === 'custom' ? undefined : reader.severity(item, at);
    found.forEach((rule, n) => {
      const wanted =
        typeof rule.name === 'string'
          ? rule.name
          : typeof item.name === 'string'
            ? item.name
            : typeof item.id === 'string'
              ? item.id
              : `${field ?? 'table'}_${text(item.metric ?? item.rule ?? 'check')}`;
      const name = reader.ruleName(n === 0 ? wanted : `${wanted}_${text(rule.condition)}`, at);
      reader.origins.set(`rule:${name}`, at);
      rules.push({
        ...rule,
        name,
        ...(severity !== undefined ? { severity } : {}),
        ...(typeof item.description === 'string' && rule.description === undefined
          ? { description: item.description }
          : {}),
        ...(custom.has(PRT_ON_UNEVALUATED_PROPERTY)
          ? { on_unevaluated: custom.get(PRT_ON_UNEVALUATED_PROPERTY)!.value }
          : {}),
      });
    });
    reader.unused(item, at, [
      'id',
      'name',
      'description',
      'type',
      'metric',
      'rule',
      'arguments',
      'unit',
      'severity',
      'dimension',
      'engine',
      'implementation',
      'customProperties',
      ...OPERATORS,
    ]);
  });
  return allowed ? { rules, allowed } : { rules };
}

function readProperty(
  reader: OdcsReader,
  prop: unknown,
  at: DocumentPath,
  columns: readonly string[],
): Column {
  if (!isObject(prop)) reader.fail(at, 'a property must be a mapping');
  if (typeof prop.name !== 'string' || prop.name === '')
    reader.fail([...at, 'name'], 'a property needs a name');
  const name = prop.name;
  const column: Json = { name, type: readType(reader, prop, at, name), nullable: prop.required !== true };
  if (typeof prop.unique === 'boolean') column.unique = prop.unique;
  if (prop.description !== undefined) column.description = prop.description;
  if (prop.classification !== undefined) {
    const level = text(prop.classification).toLowerCase();
    if (!(CLASSIFICATIONS as readonly string[]).includes(level))
      reader.fail(
        [...at, 'classification'],
        `'${text(prop.classification)}' is not a classification prt masks by (${CLASSIFICATIONS.join(', ')}); reading it as none would stage the values unmasked`,
      );
    column.classification = level;
  }
  const rules: Json[] = [];
  readOptions(reader, prop, at, column, rules);
  const custom = reader.custom(prop.customProperties, [...at, 'customProperties'], [PRT_COLUMN_PROPERTY]);
  const extras = custom.get(PRT_COLUMN_PROPERTY);
  if (extras) {
    if (!isObject(extras.value)) reader.fail(extras.path, 'prtColumn must be a mapping of prt column keys');
    Object.assign(column, extras.value);
  }
  const quality = readQuality(reader, prop.quality, [...at, 'quality'], name, columns);
  if (quality.allowed) column.allowed = quality.allowed;
  rules.push(...quality.rules);
  reader.unused(prop, at, [
    'name',
    'logicalType',
    'physicalType',
    'logicalTypeOptions',
    'required',
    'unique',
    'primaryKey',
    'primaryKeyPosition',
    'partitioned',
    'partitionKeyPosition',
    'classification',
    'description',
    'quality',
    'customProperties',
  ]);
  return { file: column, rules };
}

/** The s3 server's key template and the format it names. */
function readServers(reader: OdcsReader, servers: unknown, options: OdcsImportOptions, file: Json): void {
  const list = servers === undefined ? [] : servers;
  if (!Array.isArray(list)) return reader.fail(['servers'], 'must be a list');
  const s3 = list.findIndex((s) => isObject(s) && s.type === 's3');
  list.forEach((server: unknown, i) => {
    if (i === s3 || !isObject(server)) return;
    reader.warn(
      ['servers', i],
      `server ${text(server.type)}`,
      server.type === 's3'
        ? 'not mapped: prt reads one key template, the first s3 server'
        : 'not mapped: prt tests objects in S3 (a server of type s3)',
    );
  });
  if (options.path !== undefined) file.path = options.path;
  if (s3 < 0) {
    if (options.path === undefined)
      reader.fail(
        ['servers'],
        'no server of type s3: prt needs the bucket and path of the objects (or give a key template)',
      );
    reader.warn(['servers'], 'format', 'not given (no s3 server): prt expects csv');
    return;
  }
  const server = list[s3] as Json;
  const at = ['servers', s3];
  if (options.path === undefined) {
    const location = /^s3:\/\/([^/]+)\/(.+)$/.exec(
      typeof server.location === 'string' ? server.location : '',
    );
    if (!location) return reader.fail([...at, 'location'], 'must be s3://bucket/key-template');
    let key = location[2]!.replace(/%7B/gi, '{').replace(/%7D/gi, '}');
    const glob = key.indexOf('*');
    if (glob >= 0) {
      const folder = key.slice(0, key.lastIndexOf('/', glob) + 1);
      reader.warn(
        [...at, 'location'],
        'glob',
        `'${key.slice(folder.length)}' is read as every object under '${folder}': prt key templates have no wildcards`,
      );
      key = folder;
    }
    if (key === '') return reader.fail([...at, 'location'], 'names no key under the bucket');
    file.path = key;
    reader.origins.set('path', [...at, 'location']);
    reader.warn(
      [...at, 'location'],
      'bucket',
      `'${location[1]}' is not kept: a prt contract names keys, and each environment's outputs bucket is watched`,
    );
  }
  if (server.format !== undefined) {
    const format = text(server.format).toLowerCase();
    const read =
      format === 'json'
        ? server.delimiter === 'new_line'
          ? 'jsonl'
          : 'json'
        : format === 'ndjson'
          ? 'jsonl'
          : format;
    if (!(DATA_FORMATS as readonly string[]).includes(read))
      reader.fail(
        [...at, 'format'],
        `'${text(server.format)}' is not a format prt reads (csv, json, parquet, arrow)`,
      );
    file.format = read;
    reader.origins.set('format', [...at, 'format']);
  } else reader.warn(at, 'format', 'not given: prt expects csv');
  reader.unused(server, at, [
    'server',
    'type',
    'location',
    'format',
    'delimiter',
    'id',
    'description',
    'environment',
  ]);
}

/** The names of a file-form `inputs` list (a name, or a mapping's `output`). */
function inputNamesOf(inputs: unknown): string[] {
  if (!Array.isArray(inputs)) return [];
  return inputs.flatMap((i: unknown) =>
    typeof i === 'string' ? [i] : isObject(i) && typeof i.output === 'string' ? [i.output] : [],
  );
}

/** The contract file form of an ODCS v3 document (one of its schema objects). */
export function importOdcs(
  doc: Json,
  source: string,
  options: OdcsImportOptions = {},
  lineOf: (path: DocumentPath) => number | undefined = () => undefined,
): OdcsImport {
  const reader = new OdcsReader(source, lineOf);
  const rootCustom = reader.custom(doc.customProperties, ['customProperties'], [PRT_CONTRACT_PROPERTY]);
  const extrasEntry = rootCustom.get(PRT_CONTRACT_PROPERTY);
  if (extrasEntry && !isObject(extrasEntry.value))
    reader.fail(extrasEntry.path, 'prtContract must be a mapping of prt contract keys');
  const extras: Json = extrasEntry ? { ...(extrasEntry.value as Json) } : {};
  const extrasAt = extrasEntry?.path ?? ['customProperties'];
  const ruleOrder = extras.rule_order;
  delete extras.rule_order;

  if (!Array.isArray(doc.schema) || doc.schema.length === 0)
    reader.fail(['schema'], 'has no object: prt needs the properties of one');
  const objects = doc.schema as unknown[];
  const names = objects.map((o) => (isObject(o) ? text(o.name) : '?'));
  let index = 0;
  if (options.object !== undefined) {
    index = names.indexOf(options.object);
    if (index < 0) reader.fail(['schema'], `has no object '${options.object}' (${names.join(', ')})`);
  } else if (objects.length > 1)
    reader.fail(
      ['schema'],
      `has ${objects.length} objects (${names.join(', ')}); a prt contract describes one output: choose one`,
    );
  objects.forEach((_, i) => {
    if (i !== index)
      reader.warn(['schema', i], `object ${names[i]}`, 'not mapped: another object than the one read');
  });
  const object = objects[index];
  const objectAt = ['schema', index];
  if (!isObject(object)) return reader.fail(objectAt, 'a schema object must be a mapping');

  const named = (
    key: 'pipeline' | 'step' | 'output',
    fallback: unknown,
    fallbackAt: DocumentPath,
    hint: string,
  ): string => {
    const value = options[key] ?? extras[key] ?? fallback;
    reader.origins.set(
      key,
      options[key] !== undefined ? [] : extras[key] !== undefined ? [...extrasAt, key] : fallbackAt,
    );
    if (typeof value !== 'string') return reader.fail(fallbackAt, `prt needs a ${key} name: ${hint}`);
    if (options[key] === undefined && extras[key] === undefined && !PRT_NAME.test(value))
      reader.fail(fallbackAt, `'${value}' is not a prt ${key} name (letters, digits, _ . -)`);
    return value;
  };
  const file: Json = {
    pipeline: named('pipeline', doc.domain, ['domain'], `give domain, or ${PRT_CONTRACT_PROPERTY}.pipeline`),
    step: named('step', doc.name, ['name'], `give name, or ${PRT_CONTRACT_PROPERTY}.step`),
    output: named('output', object.name, [...objectAt, 'name'], 'name the schema object'),
  };
  delete extras.pipeline;
  delete extras.step;
  delete extras.output;

  const description = isObject(doc.description)
    ? [doc.description.purpose, doc.description.usage, doc.description.limitations]
        .map((text, k) =>
          typeof text === 'string' ? `${['', 'Usage: ', 'Limitations: '][k]}${text}` : undefined,
        )
        .filter((text) => text !== undefined)
        .join('\n\n')
    : typeof doc.description === 'string'
      ? doc.description
      : typeof object.description === 'string'
        ? object.description
        : '';
  if (description !== '') file.description = description;
  if (isObject(doc.description))
    reader.unused(doc.description, ['description'], ['purpose', 'usage', 'limitations']);
  readServers(reader, doc.servers, options, file);

  const propsAt = [...objectAt, 'properties'];
  if (!Array.isArray(object.properties) || object.properties.length === 0)
    reader.fail(propsAt, 'prt needs the properties (columns) of the object');
  const props = object.properties as unknown[];
  const columnNames = props.map((p) => (isObject(p) && typeof p.name === 'string' ? p.name : ''));
  const columns = props.map((p, j) => {
    reader.origins.set(`schema[${j}]`, [...propsAt, j]);
    return readProperty(reader, p, [...propsAt, j], columnNames);
  });

  // A primary key is present and unique: one column says so itself, several make a composite key.
  const keys = props
    .map((p, j) => ({ p: p as Json, j }))
    .filter(({ p }) => p.primaryKey === true)
    .sort((a, b) => Number(a.p.primaryKeyPosition ?? a.j) - Number(b.p.primaryKeyPosition ?? b.j));
  for (const { j } of keys) columns[j]!.file.nullable = false;
  const keyRules: Json[] = [];
  if (keys.length === 1) columns[keys[0]!.j]!.file.unique = true;
  else if (keys.length > 1) {
    const name = reader.ruleName('primary_key', [...propsAt, keys[0]!.j, 'primaryKey']);
    reader.origins.set(`rule:${name}`, [...propsAt, keys[0]!.j, 'primaryKey']);
    keyRules.push({
      name,
      fields: keys.map(({ j }) => columnNames[j]),
      condition: 'unique',
      threshold: 1,
      severity: 'error',
    });
  }
  const partitionedBy = props
    .filter((p) => isObject(p) && p.partitioned === true)
    .map((p) => (p as Json).name);
  if (partitionedBy.length > 0) {
    if (extras.partitioned === undefined) file.partitioned = true;
    props.forEach((p, j) => {
      if (isObject(p) && p.partitioned === true)
        reader.warn(
          [...propsAt, j, 'partitioned'],
          'partitioned',
          `the output is read as a folder of parts; prt reads '${text(p.name)}' from the files, not from key paths (${text(p.name)}=value/)`,
        );
    });
  }

  const tableRules = readQuality(reader, object.quality, [...objectAt, 'quality'], undefined, columnNames);
  if (tableRules.allowed)
    reader.warn([...objectAt, 'quality'], 'allowed', 'not mapped: allowed values belong to a property');
  let quality = [...columns.flatMap((c) => c.rules), ...keyRules, ...tableRules.rules];
  if (Array.isArray(ruleOrder)) {
    const rank = new Map(ruleOrder.map((name, k) => [name, k]));
    quality = quality
      .map((rule, k) => ({ rule, k }))
      .sort(
        (a, b) =>
          (rank.get(a.rule.name) ?? ruleOrder.length + a.k) -
          (rank.get(b.rule.name) ?? ruleOrder.length + b.k),
      )
      .map(({ rule }) => rule);
  }
  quality.forEach((rule, k) => {
    const origin = reader.origins.get(`rule:${text(rule.name)}`);
    if (origin) reader.origins.set(`quality[${k}]`, origin);
  });
  for (const key of Object.keys(extras)) reader.origins.set(key, [...extrasAt, key]);
  // When versions are due: the service levels prt checks (odcs-sla.ts); the rest is reported.
  const sla =
    doc.slaProperties === undefined
      ? undefined
      : expectedFromSla(
          doc.slaProperties,
          ['slaProperties'],
          { pipeline: file.pipeline, inputs: inputNamesOf(extras.inputs) },
          (path, feature, message) => reader.warn(path, feature, message),
        );
  sla?.origins.forEach((origin, k) => reader.origins.set(`expected[${k}]`, origin));
  if (sla && sla.entries.length > 0) reader.origins.set('expected', ['slaProperties']);
  reader.unused(object, objectAt, [
    'name',
    'properties',
    'quality',
    'physicalType',
    'logicalType',
    'description',
    'id',
  ]);
  reader.unused(
    doc,
    [],
    [
      'apiVersion',
      'kind',
      'id',
      'version',
      'status',
      'name',
      'domain',
      'description',
      'servers',
      'schema',
      'customProperties',
      'slaProperties',
    ],
  );

  const result: Json = {
    ...file,
    ...extras,
    schema: columns.map((c) => c.file),
    ...(quality.length > 0 ? { quality } : {}),
    ...(sla && sla.entries.length > 0 ? { expected: sla.entries } : {}),
  };
  return {
    file: result,
    warnings: reader.warnings,
    originOf(prtPath) {
      const [first, second] = prtPath;
      const key = typeof second === 'number' ? `${text(first)}[${second}]` : text(first);
      return reader.origins.get(key) ?? (first !== undefined ? reader.origins.get(text(first)) : undefined);
    },
  };
}
