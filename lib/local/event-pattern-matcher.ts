/**
 * Amazon EventBridge event-pattern matching for the embedded local stack.
 *
 * No npm package emulates EventBridge rule matching, and the local stack must route events with the very
 * pattern the CDK rule deploys (see `buildArrivalPattern`), so this module re-implements the semantics of
 * AWS's matcher, Event Ruler (github.com/aws/event-ruler), as documented in the EventBridge user guide
 * ("Content filtering in event patterns", "Comparison operators"):
 *
 * - fields of a pattern object are ANDed; `$or: [{...}, {...}]` ORs sub-patterns at the same level;
 * - a leaf is always an array, and matches when any of its elements matches (OR);
 * - when the event value is an array, the field matches when any element matches;
 * - exact values compare by JSON type: `"5"` does not match `5`, `""` does not match `null`;
 * - a field missing from the event fails every test except `{ "exists": false }`;
 * - operators: prefix, suffix, equals-ignore-case, wildcard, anything-but, numeric, exists, cidr.
 *
 * Patterns are validated in full before any event is looked at, so a bad pattern fails at start-up with
 * an `EventPatternError` naming where it is wrong, as `PutRule` would reject it, instead of silently
 * never matching.
 *
 * Limits of this local matcher, each a deliberate choice to stay small:
 * - numbers are compared as JavaScript doubles; EventBridge compares them with 6 decimal places;
 * - `cidr` supports IPv4 only (EventBridge also accepts IPv6); an IPv6 block raises EventPatternError;
 * - `equals-ignore-case` folds case with `String.prototype.toLowerCase`.
 *
 * @example
 * matchesEventPattern(
 *   { source: ['aws.s3'], detail: { object: { key: [{ prefix: 'raw/' }] } } },
 *   { source: 'aws.s3', detail: { object: { key: 'raw/2024/part-0.parquet' } } },
 * ); // true
 */

/** Thrown for a pattern EventBridge would reject; `path` locates the offending part (e.g. `detail.key[0]`). */
export class EventPatternError extends Error {
  override readonly name = 'EventPatternError';

  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`Invalid event pattern at ${path === '' ? '(root)' : path}: ${reason}`);
  }
}

/** A pattern compiled once, to be applied to many events (the embedded stack compiles each rule at start). */
export type CompiledEventPattern = (event: unknown) => boolean;

/**
 * Compiles and validates an event pattern.
 *
 * @throws EventPatternError when the pattern is not one EventBridge accepts.
 * @example
 * const isArrival = compileEventPattern(buildArrivalPattern({ bucketName, watchedPrefixes }));
 * if (isArrival(event)) startExecution(event);
 */
export function compileEventPattern(pattern: unknown): CompiledEventPattern {
  if (!isJsonObject(pattern)) {
    throw new EventPatternError('', 'a pattern must be a JSON object');
  }
  const rule = compileObject(pattern, '', false);
  // An event that is not an object has no fields: only `exists: false` tests can match it.
  return (event) => matchObject(rule, isJsonObject(event) ? event : {});
}

/**
 * Whether `event` matches the EventBridge `pattern`.
 *
 * @throws EventPatternError when the pattern is not one EventBridge accepts.
 * @example
 * matchesEventPattern({ detail: { size: [{ numeric: ['>', 0] }] } }, { detail: { size: 12 } }); // true
 */
export function matchesEventPattern(pattern: unknown, event: unknown): boolean {
  return compileEventPattern(pattern)(event);
}

// ---------------------------------------------------------------------------------------------------
// Compiled form

/** The JSON scalars an event can hold at a leaf. */
type Leaf = string | number | boolean | null;
type LeafTest = (value: Leaf) => boolean;

interface LeafRule {
  readonly kind: 'leaf';
  readonly tests: readonly LeafTest[];
  /** True when the leaf array holds `{ "exists": false }`: the field may then be absent. */
  readonly matchesAbsent: boolean;
}

interface ObjectRule {
  readonly kind: 'object';
  readonly fields: readonly (readonly [string, FieldRule])[];
  /** One entry per `$or` key met at this level; each entry matches when any of its alternatives does. */
  readonly alternatives: readonly (readonly ObjectRule[])[];
}

type FieldRule = LeafRule | ObjectRule;

type CompiledOperator = { readonly kind: 'test'; readonly test: LeafTest } | { readonly kind: 'absent' };

/** Event Ruler refuses these as field names inside `$or`, where they would read as misplaced operators. */
const OPERATOR_NAMES: ReadonlySet<string> = new Set([
  'prefix',
  'suffix',
  'equals-ignore-case',
  'wildcard',
  'anything-but',
  'numeric',
  'exists',
  'cidr',
]);

// ---------------------------------------------------------------------------------------------------
// Compilation (validation included)

function compileObject(
  pattern: Readonly<Record<string, unknown>>,
  path: string,
  insideOr: boolean,
): ObjectRule {
  const entries = Object.entries(pattern);
  if (entries.length === 0) {
    throw new EventPatternError(path, 'empty objects are not allowed');
  }
  const fields: (readonly [string, FieldRule])[] = [];
  const alternatives: ObjectRule[][] = [];
  for (const [key, value] of entries) {
    const at = path === '' ? key : `${path}.${key}`;
    if (key === '$or') {
      alternatives.push(compileOr(value, at));
    } else if (insideOr && OPERATOR_NAMES.has(key)) {
      throw new EventPatternError(at, `"${key}" is an operator and cannot be a field name inside $or`);
    } else if (Array.isArray(value)) {
      fields.push([key, compileLeaf(value, at)]);
    } else if (isJsonObject(value)) {
      fields.push([key, compileObject(value, at, insideOr)]);
    } else {
      throw new EventPatternError(
        at,
        'must be an object or an array (a leaf is always an array, e.g. ["value"])',
      );
    }
  }
  return { kind: 'object', fields, alternatives };
}

function compileOr(value: unknown, path: string): ObjectRule[] {
  if (!Array.isArray(value) || value.length < 2) {
    throw new EventPatternError(path, '$or must be an array of at least two pattern objects');
  }
  return value.map((alternative, index) => {
    if (!isJsonObject(alternative)) {
      throw new EventPatternError(`${path}[${index}]`, 'each $or alternative must be a pattern object');
    }
    return compileObject(alternative, `${path}[${index}]`, true);
  });
}

function compileLeaf(values: readonly unknown[], path: string): LeafRule {
  if (values.length === 0) {
    throw new EventPatternError(path, 'empty arrays are not allowed');
  }
  const tests: LeafTest[] = [];
  let matchesAbsent = false;
  values.forEach((value, index) => {
    const at = `${path}[${index}]`;
    if (isLeaf(value)) {
      tests.push((candidate) => candidate === value);
    } else if (isJsonObject(value)) {
      const operator = compileOperator(value, at);
      if (operator.kind === 'absent') matchesAbsent = true;
      else tests.push(operator.test);
    } else {
      throw new EventPatternError(
        at,
        'a match value must be a string, number, boolean, null or operator object',
      );
    }
  });
  return { kind: 'leaf', tests, matchesAbsent };
}

function compileOperator(operator: Readonly<Record<string, unknown>>, path: string): CompiledOperator {
  const [entry, ...others] = Object.entries(operator);
  if (entry === undefined || others.length > 0) {
    throw new EventPatternError(path, 'an operator object must have exactly one key');
  }
  const [name, argument] = entry;
  const at = `${path}.${name}`;
  switch (name) {
    case 'prefix':
      return test(compileAffix(argument, at, (value, affix) => value.startsWith(affix)));
    case 'suffix':
      return test(compileAffix(argument, at, (value, affix) => value.endsWith(affix)));
    case 'equals-ignore-case':
      return test(equalsIgnoreCase(requireString(argument, at)));
    case 'wildcard':
      return test(wildcard(requireString(argument, at), at));
    case 'anything-but': {
      const excluded = compileAnythingBut(argument, at);
      return test((value) => !excluded(value));
    }
    case 'numeric':
      return test(compileNumeric(argument, at));
    case 'exists':
      if (typeof argument !== 'boolean') {
        throw new EventPatternError(at, 'must be true or false');
      }
      // exists:true holds for any leaf value, null included; objects are not leaves (see matchField).
      return argument ? test(() => true) : { kind: 'absent' };
    case 'cidr':
      return test(compileCidr(argument, at));
    default:
      throw new EventPatternError(path, `unknown operator "${name}"`);
  }
}

function test(leafTest: LeafTest): CompiledOperator {
  return { kind: 'test', test: leafTest };
}

/** prefix and suffix take a string, or `{ "equals-ignore-case": string }` to ignore case. */
function compileAffix(
  argument: unknown,
  path: string,
  holds: (value: string, affix: string) => boolean,
): LeafTest {
  if (typeof argument === 'string') {
    return (value) => typeof value === 'string' && holds(value, argument);
  }
  if (isJsonObject(argument)) {
    const [entry, ...others] = Object.entries(argument);
    if (entry !== undefined && others.length === 0 && entry[0] === 'equals-ignore-case') {
      const affix = foldCase(requireString(entry[1], `${path}.equals-ignore-case`));
      return (value) => typeof value === 'string' && holds(foldCase(value), affix);
    }
  }
  throw new EventPatternError(path, 'must be a string or { "equals-ignore-case": string }');
}

/**
 * anything-but takes a string or number, a list of only strings or only numbers, or one of
 * `{ prefix }`, `{ suffix }`, `{ "equals-ignore-case" }`, `{ wildcard }` (the last two also with a list).
 * Returns the test for what is excluded; the caller negates it. As in Event Ruler, a value of another JSON
 * type than the excluded ones is "anything but" them and so matches (e.g. the number 5 for a prefix).
 */
function compileAnythingBut(argument: unknown, path: string): LeafTest {
  if (typeof argument === 'string' || typeof argument === 'number') {
    return (value) => value === argument;
  }
  if (Array.isArray(argument)) {
    const allStrings = argument.every((item) => typeof item === 'string');
    const allNumbers = argument.every((item) => typeof item === 'number');
    if (argument.length === 0 || !(allStrings || allNumbers)) {
      throw new EventPatternError(path, 'a list must hold only strings or only numbers, and at least one');
    }
    const excluded = new Set<unknown>(argument);
    return (value) => excluded.has(value);
  }
  if (isJsonObject(argument)) {
    const [entry, ...others] = Object.entries(argument);
    if (entry !== undefined && others.length === 0) {
      const [name, inner] = entry;
      const at = `${path}.${name}`;
      switch (name) {
        case 'prefix':
        case 'suffix': {
          const affix = requireString(inner, at);
          if (affix === '') throw new EventPatternError(at, 'must not be empty');
          return name === 'prefix'
            ? (value) => typeof value === 'string' && value.startsWith(affix)
            : (value) => typeof value === 'string' && value.endsWith(affix);
        }
        case 'equals-ignore-case':
          return anyOf(requireStringOrStrings(inner, at).map(equalsIgnoreCase));
        case 'wildcard':
          return anyOf(requireStringOrStrings(inner, at).map((source) => wildcard(source, at)));
      }
    }
  }
  throw new EventPatternError(
    path,
    'must be a string, a number, a list of strings or numbers, or { prefix | suffix | equals-ignore-case | wildcard }',
  );
}

/**
 * numeric takes `["=", n]`, one bound (`[">", n]`, `[">=", n]`, `["<", n]`, `["<=", n]`) or a lower bound
 * followed by an upper bound (`[">", 0, "<=", 5]`), the order Event Ruler requires. Only JSON numbers
 * match: the string "5" is not numeric to EventBridge.
 */
function compileNumeric(argument: unknown, path: string): LeafTest {
  if (!Array.isArray(argument)) {
    throw new EventPatternError(path, 'must be an array such as [">", 0, "<=", 5]');
  }
  const [operator, bound, upperOperator, upperBound, ...rest] = argument as readonly unknown[];
  const fail = (reason: string): never => {
    throw new EventPatternError(path, reason);
  };
  const requireNumber = (value: unknown): number =>
    typeof value === 'number' && Number.isFinite(value) ? value : fail('each bound must be a number');
  if (rest.length > 0) fail('too many terms');
  const first = requireNumber(bound);
  const isUpper = operator === '<' || operator === '<=';
  if (argument.length > 2 && (operator === '=' || isUpper)) {
    fail(`"${String(operator)}" must be the only term; a range starts with ">" or ">="`);
  }
  switch (operator) {
    case '=':
      return (value) => typeof value === 'number' && value === first;
    case '<':
      return (value) => typeof value === 'number' && value < first;
    case '<=':
      return (value) => typeof value === 'number' && value <= first;
    case '>':
    case '>=': {
      const above: (value: number) => boolean = operator === '>' ? (v) => v > first : (v) => v >= first;
      if (argument.length === 2) return (value) => typeof value === 'number' && above(value);
      if (upperOperator !== '<' && upperOperator !== '<=')
        fail('the upper bound operator must be "<" or "<="');
      const top = requireNumber(upperBound);
      if (top <= first) fail('the lower bound must be below the upper bound');
      const below: (value: number) => boolean = upperOperator === '<' ? (v) => v < top : (v) => v <= top;
      return (value) => typeof value === 'number' && above(value) && below(value);
    }
    default:
      return fail(`unknown numeric operator "${String(operator)}"; use =, <, <=, > or >=`);
  }
}

/** IPv4 CIDR only, e.g. "10.0.0.0/24"; the event value must be a dotted-quad string. */
function compileCidr(argument: unknown, path: string): LeafTest {
  const block = requireString(argument, path);
  if (block.includes(':')) {
    throw new EventPatternError(
      path,
      'IPv6 blocks are valid in EventBridge but not supported by the local matcher',
    );
  }
  const [address, bitsText, ...rest] = block.split('/');
  const base = address === undefined ? undefined : parseIpv4(address);
  const bits = Number(bitsText);
  if (base === undefined || rest.length > 0 || !/^\d{1,2}$/.test(bitsText ?? '') || bits > 32) {
    throw new EventPatternError(path, `"${block}" is not an IPv4 CIDR block such as "10.0.0.0/24"`);
  }
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const network = (base & mask) >>> 0;
  return (value) => {
    if (typeof value !== 'string') return false;
    const ip = parseIpv4(value);
    return ip !== undefined && (ip & mask) >>> 0 === network;
  };
}

/**
 * Compiles a wildcard to an anchored RegExp: `*` matches any run of characters, `\*` a literal star and
 * `\\` a literal backslash. As in Event Ruler, consecutive `*` and any other escape are invalid.
 */
function wildcard(source: string, path: string): LeafTest {
  let expression = '';
  for (let index = 0; index < source.length; index += 1) {
    const character = source.charAt(index);
    if (character === '*') {
      if (source.charAt(index + 1) === '*') {
        throw new EventPatternError(path, 'consecutive wildcard characters are not allowed');
      }
      expression += '.*';
    } else if (character === '\\') {
      const escaped = source.charAt(index + 1);
      if (escaped !== '*' && escaped !== '\\') {
        throw new EventPatternError(path, 'a backslash may only escape "*" or "\\"');
      }
      expression += escapeRegExp(escaped);
      index += 1;
    } else {
      expression += escapeRegExp(character);
    }
  }
  const regExp = new RegExp(`^${expression}$`, 's');
  return (value) => typeof value === 'string' && regExp.test(value);
}

function equalsIgnoreCase(expected: string): LeafTest {
  const folded = foldCase(expected);
  return (value) => typeof value === 'string' && foldCase(value) === folded;
}

function anyOf(tests: readonly LeafTest[]): LeafTest {
  return (value) => tests.some((leafTest) => leafTest(value));
}

function requireString(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new EventPatternError(path, 'must be a string');
  return value;
}

function requireStringOrStrings(value: unknown, path: string): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string')) {
    return value;
  }
  throw new EventPatternError(path, 'must be a string or a non-empty list of strings');
}

// ---------------------------------------------------------------------------------------------------
// Matching

function matchObject(rule: ObjectRule, event: Readonly<Record<string, unknown>>): boolean {
  return (
    rule.fields.every(([key, field]) =>
      matchField(field, Object.hasOwn(event, key) ? event[key] : undefined),
    ) &&
    rule.alternatives.every((alternatives) =>
      alternatives.some((alternative) => matchObject(alternative, event)),
    )
  );
}

/**
 * Event Ruler flattens the event into leaf values, so a field holding an object (or only objects) has no
 * value of its own: `exists: true` fails on it and `exists: false` holds, as the EventBridge guide
 * documents. Arrays are crushed: each element is tried, and for objects the whole sub-pattern must match
 * within one element (Event Ruler's "array-consistent" matching).
 */
function matchField(rule: FieldRule, value: unknown): boolean {
  if (rule.kind === 'leaf') {
    const leaves = leavesOf(value);
    if (leaves.length === 0) return rule.matchesAbsent;
    return leaves.some((leaf) => rule.tests.some((leafTest) => leafTest(leaf)));
  }
  const objects = objectsOf(value);
  if (objects.length === 0) return matchObject(rule, {});
  return objects.some((object) => matchObject(rule, object));
}

function leavesOf(value: unknown): Leaf[] {
  if (Array.isArray(value)) return value.flatMap(leavesOf);
  return isLeaf(value) ? [value] : [];
}

function objectsOf(value: unknown): Readonly<Record<string, unknown>>[] {
  if (Array.isArray(value)) return value.flatMap(objectsOf);
  return isJsonObject(value) ? [value] : [];
}

// ---------------------------------------------------------------------------------------------------
// Small helpers

function isJsonObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isLeaf(value: unknown): value is Leaf {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

function foldCase(value: string): string {
  return value.toLowerCase();
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

/** Parses a dotted-quad IPv4 address to an unsigned 32-bit integer, or undefined when it is not one. */
function parseIpv4(text: string): number | undefined {
  const octets = text.split('.');
  if (octets.length !== 4 || !octets.every((octet) => /^\d{1,3}$/.test(octet) && Number(octet) <= 255)) {
    return undefined;
  }
  return octets.reduce((address, octet) => address * 256 + Number(octet), 0);
}
