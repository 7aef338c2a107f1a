/**
 * The small, safe expression language of consistency rules, e.g. `end_date >= start_date`,
 * `discount <= price * 0.5 and currency in ('EUR', 'USD')`, `is_null(refund) or refund <= amount`.
 * It is tokenized and parsed here (precedence climbing) and compiled to closures; nothing is ever
 * handed to `eval` or `Function`. Null follows SQL: a comparison with null is unknown, and a row
 * whose result is unknown is not counted for the rule.
 *
 * Grammar: or → and ('or' and)*; and → not ('and' not)*; not → 'not' not | cmp;
 * cmp → add (('=='|'='|'!='|'<>'|'<'|'<='|'>'|'>=') add | 'in' '(' literals ')')?;
 * add → mul (('+'|'-') mul)*; mul → unary (('*'|'/'|'%') unary)*; unary → '-' unary | atom;
 * atom → number | 'string' | true | false | null | column | func '(' args ')' | '(' or ')'.
 * Functions: abs, length, lower, upper, is_null, coalesce.
 */
export class ExpressionError extends Error {
  override readonly name = 'ExpressionError';
}

type Value = string | number | bigint | boolean | null;

type Node =
  | { t: 'lit'; v: Value }
  | { t: 'col'; name: string }
  | { t: 'un'; op: '-' | 'not'; a: Node }
  | { t: 'bin'; op: string; a: Node; b: Node }
  | { t: 'in'; a: Node; list: Value[] }
  | { t: 'call'; fn: string; args: Node[] };

interface Token {
  /** `qid` is a `quoted` column name: never a keyword. */
  readonly kind: 'num' | 'str' | 'id' | 'qid' | 'op' | 'end';
  readonly text: string;
  readonly at: number;
}

const OPS = [
  '==',
  '!=',
  '<>',
  '<=',
  '>=',
  '&&',
  '||',
  '=',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '%',
  '(',
  ')',
  ',',
  '!',
];
const FUNCTIONS = new Set(['abs', 'length', 'lower', 'upper', 'is_null', 'coalesce']);
const MAX_LENGTH = 2000;

function tokenize(src: string): Token[] {
  if (src.length > MAX_LENGTH) throw new ExpressionError(`expression longer than ${MAX_LENGTH} characters`);
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (/[0-9.]/.test(c)) {
      const m = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(src.slice(i));
      if (!m) throw new ExpressionError(`bad number at ${i}`);
      out.push({ kind: 'num', text: m[0], at: i });
      i += m[0].length;
      continue;
    }
    if (c === "'" || c === '"') {
      let j = i + 1;
      let text = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && j + 1 < src.length) j++;
        text += src[j];
        j++;
      }
      if (j >= src.length) throw new ExpressionError(`unterminated string at ${i}`);
      out.push({ kind: 'str', text, at: i });
      i = j + 1;
      continue;
    }
    if (c === '`') {
      const j = src.indexOf('`', i + 1);
      if (j < 0) throw new ExpressionError(`unterminated \`column\` at ${i}`);
      out.push({ kind: 'qid', text: src.slice(i + 1, j), at: i });
      i = j + 1;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (id) {
      out.push({ kind: 'id', text: id[0], at: i });
      i += id[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new ExpressionError(`unexpected '${c}' at ${i}`);
    out.push({ kind: 'op', text: op, at: i });
    i += op.length;
  }
  out.push({ kind: 'end', text: '', at: src.length });
  return out;
}

class Parser {
  private i = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.i]!;
  }
  private next(): Token {
    return this.tokens[this.i++]!;
  }
  private isWord(word: string): boolean {
    const t = this.peek();
    return t.kind === 'id' && t.text.toLowerCase() === word;
  }
  private isOp(...ops: string[]): boolean {
    const t = this.peek();
    return t.kind === 'op' && ops.includes(t.text);
  }
  private expect(op: string): void {
    if (!this.isOp(op)) throw new ExpressionError(`expected '${op}' at ${this.peek().at}`);
    this.i++;
  }

  parse(): Node {
    const node = this.or();
    if (this.peek().kind !== 'end')
      throw new ExpressionError(`unexpected '${this.peek().text}' at ${this.peek().at}`);
    return node;
  }

  private guard<T>(f: () => T): T {
    if (++this.depth > 100) throw new ExpressionError('expression nested too deeply');
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  private or(): Node {
    let a = this.and();
    while (this.isWord('or') || this.isOp('||')) {
      this.next();
      a = { t: 'bin', op: 'or', a, b: this.and() };
    }
    return a;
  }
  private and(): Node {
    let a = this.not();
    while (this.isWord('and') || this.isOp('&&')) {
      this.next();
      a = { t: 'bin', op: 'and', a, b: this.not() };
    }
    return a;
  }
  private not(): Node {
    if (this.isWord('not') || this.isOp('!')) {
      this.next();
      return this.guard(() => ({ t: 'un', op: 'not', a: this.not() }));
    }
    return this.cmp();
  }
  private cmp(): Node {
    const a = this.add();
    if (this.isOp('==', '=', '!=', '<>', '<', '<=', '>', '>=')) {
      let op = this.next().text;
      if (op === '=') op = '==';
      if (op === '<>') op = '!=';
      return { t: 'bin', op, a, b: this.add() };
    }
    if (this.isWord('in')) {
      this.next();
      this.expect('(');
      const list: Value[] = [];
      do {
        const node = this.unary();
        if (node.t === 'lit') list.push(node.v);
        else if (node.t === 'un' && node.op === '-' && node.a.t === 'lit' && typeof node.a.v === 'number')
          list.push(-node.a.v);
        else throw new ExpressionError(`'in' takes literal values at ${this.peek().at}`);
      } while (this.isOp(',') && this.next());
      this.expect(')');
      return { t: 'in', a, list };
    }
    return a;
  }
  private add(): Node {
    let a = this.mul();
    while (this.isOp('+', '-')) a = { t: 'bin', op: this.next().text, a, b: this.mul() };
    return a;
  }
  private mul(): Node {
    let a = this.unary();
    while (this.isOp('*', '/', '%')) a = { t: 'bin', op: this.next().text, a, b: this.unary() };
    return a;
  }
  private unary(): Node {
    if (this.isOp('-')) {
      this.next();
      return this.guard(() => ({ t: 'un', op: '-', a: this.unary() }));
    }
    return this.atom();
  }
  private atom(): Node {
    const t = this.next();
    if (t.kind === 'num') return { t: 'lit', v: Number(t.text) };
    if (t.kind === 'str') return { t: 'lit', v: t.text };
    if (t.kind === 'op' && t.text === '(') {
      const node = this.guard(() => this.or());
      this.expect(')');
      return node;
    }
    if (t.kind === 'qid') return { t: 'col', name: t.text };
    if (t.kind === 'id') {
      const lower = t.text.toLowerCase();
      if (lower === 'true' || lower === 'false') return { t: 'lit', v: lower === 'true' };
      if (lower === 'null') return { t: 'lit', v: null };
      if (this.isOp('(') && FUNCTIONS.has(lower)) {
        this.next();
        const args: Node[] = [];
        if (!this.isOp(')')) {
          do args.push(this.guard(() => this.or()));
          while (this.isOp(',') && this.next());
        }
        this.expect(')');
        const arity = lower === 'coalesce' ? args.length >= 1 : args.length === 1;
        if (!arity)
          throw new ExpressionError(
            `${lower}() takes ${lower === 'coalesce' ? 'one or more arguments' : 'one argument'}, got ${args.length} (at ${t.at})`,
          );
        return { t: 'call', fn: lower, args };
      }
      return { t: 'col', name: t.text };
    }
    throw new ExpressionError(
      `unexpected ${t.kind === 'end' ? 'end of expression' : `'${t.text}'`} at ${t.at}`,
    );
  }
}

export interface CompiledExpression {
  readonly columns: readonly string[];
  /** true / false, or undefined when unknown (a null took part). */
  evaluate(get: (column: string) => unknown): boolean | undefined;
}

function normalize(v: unknown): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v;
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  return JSON.stringify(v) ?? null;
}

function arithmetic(op: string, a: number, b: number): Value {
  if (op === '+') return a + b;
  if (op === '-') return a - b;
  if (op === '*') return a * b;
  if (b === 0) return null;
  return op === '/' ? a / b : a % b;
}

function compare(a: Value, b: Value): number | undefined {
  if (a === null || b === null) return undefined;
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) {
    // Mixed number/bigint compare exactly in JS; NaN compares as unknown.
    return a < b ? -1 : a > b ? 1 : a == b ? 0 : undefined;
  }
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return undefined; // different types: unknown, never coerced
}

function evaluate(node: Node, get: (column: string) => unknown): Value {
  switch (node.t) {
    case 'lit':
      return node.v;
    case 'col':
      return normalize(get(node.name));
    case 'un': {
      const a = evaluate(node.a, get);
      if (a === null) return null;
      if (node.op === '-') return typeof a === 'number' ? -a : null;
      return typeof a === 'boolean' ? !a : null;
    }
    case 'in': {
      const a = evaluate(node.a, get);
      if (a === null) return null;
      if (node.list.some((v) => compare(a, v) === 0)) return true;
      return node.list.includes(null) ? null : false; // SQL: x in (…, null) is unknown when no match
    }
    case 'call': {
      const args = node.args.map((n) => evaluate(n, get));
      const [x] = args;
      switch (node.fn) {
        case 'is_null':
          return x === null;
        case 'coalesce':
          return args.find((v) => v !== null) ?? null;
        case 'abs':
          return typeof x === 'number' ? Math.abs(x) : typeof x === 'bigint' ? (x < 0n ? -x : x) : null;
        case 'length':
          return typeof x === 'string' ? [...x].length : null;
        case 'lower':
          return typeof x === 'string' ? x.toLowerCase() : null;
        case 'upper':
          return typeof x === 'string' ? x.toUpperCase() : null;
      }
      return null;
    }
    case 'bin': {
      if (node.op === 'and' || node.op === 'or') {
        const a = evaluate(node.a, get);
        if (node.op === 'and' && a === false) return false;
        if (node.op === 'or' && a === true) return true;
        const b = evaluate(node.b, get);
        if (node.op === 'and') return b === false ? false : a === true && b === true ? true : null;
        return b === true ? true : a === false && b === false ? false : null;
      }
      const a = evaluate(node.a, get);
      const b = evaluate(node.b, get);
      if (['+', '-', '*', '/', '%'].includes(node.op)) {
        if (typeof a === 'string' && typeof b === 'string') return node.op === '+' ? a + b : null;
        if (
          (typeof a !== 'number' && typeof a !== 'bigint') ||
          (typeof b !== 'number' && typeof b !== 'bigint')
        )
          return null;
        return arithmetic(node.op, Number(a), Number(b));
      }

      const c = compare(a, b);
      if (c === undefined) return null;
      switch (node.op) {
        case '==':
          return c === 0;
        case '!=':
          return c !== 0;
        case '<':
          return c < 0;
        case '<=':
          return c <= 0;
        case '>':
          return c > 0;
        default:
          return c >= 0;
      }
    }
  }
}

function columnsOf(node: Node, out: Set<string>): Set<string> {
  if (node.t === 'col') out.add(node.name);
  else if (node.t === 'un' || node.t === 'in') columnsOf(node.a, out);
  else if (node.t === 'bin') {
    columnsOf(node.a, out);
    columnsOf(node.b, out);
  } else if (node.t === 'call') node.args.forEach((a) => columnsOf(a, out));
  return out;
}

/**
 * What a value is in an expression, as far as the contract tells: dates are ISO text and compare
 * as text, timestamps are microseconds and decimals their numeric value (see row-checks).
 * `null` is the literal null; `any` a value whose kind cannot be told (coalesce of mixed kinds).
 */
export type ExpressionType = 'number' | 'string' | 'boolean' | 'null' | 'any';

const ARITHMETIC = new Set(['+', '-', '*', '/', '%']);

function describeNode(node: Node): string {
  if (node.t === 'col') return `column ${node.name}`;
  if (node.t === 'lit') return node.v === null ? 'null' : `${typeof node.v} ${JSON.stringify(node.v)}`;
  if (node.t === 'call') return `${node.fn}(...)`;
  return 'a sub-expression';
}

/**
 * The type of a node, or an ExpressionError for an operation that can only ever be unknown: a
 * rule built on one would evaluate no row and say nothing, so it is refused when the contract loads.
 */
function typeOf(node: Node, columns: ReadonlyMap<string, ExpressionType>): ExpressionType {
  // Each node is typed once (`expect` types it; `want` checks a type already known), so the work
  // is linear in the expression's size however deeply it nests.
  const want = (n: Node, t: ExpressionType, wanted: ExpressionType, what: string): void => {
    if (t !== wanted && t !== 'any' && t !== 'null')
      throw new ExpressionError(`${what} needs a ${wanted}; ${describeNode(n)} is a ${t}`);
  };
  const expect = (n: Node, wanted: ExpressionType, what: string): void => {
    const t = typeOf(n, columns);
    if (t !== wanted && t !== 'any' && t !== 'null')
      throw new ExpressionError(`${what} needs a ${wanted}; ${describeNode(n)} is a ${t}`);
  };
  switch (node.t) {
    case 'lit':
      return node.v === null
        ? 'null'
        : typeof node.v === 'bigint'
          ? 'number'
          : (typeof node.v as ExpressionType);
    case 'col':
      return columns.get(node.name) ?? 'any';
    case 'un':
      if (node.op === '-') expect(node.a, 'number', "'-'");
      else expect(node.a, 'boolean', "'not'");
      return node.op === '-' ? 'number' : 'boolean';
    case 'in': {
      const a = typeOf(node.a, columns);
      for (const v of node.list) {
        const t: ExpressionType =
          v === null ? 'null' : typeof v === 'bigint' ? 'number' : (typeof v as ExpressionType);
        if (t !== 'null' && a !== 'any' && a !== 'null' && t !== a)
          throw new ExpressionError(
            `'in' compares ${describeNode(node.a)} (a ${a}) with ${JSON.stringify(v)} (a ${t}): never equal`,
          );
      }
      return 'boolean';
    }
    case 'call': {
      if (node.fn === 'is_null') return 'boolean';
      if (node.fn === 'coalesce') {
        const kinds = new Set(node.args.map((n) => typeOf(n, columns)).filter((t) => t !== 'null'));
        return kinds.size === 1 ? [...kinds][0]! : 'any';
      }
      const arg = node.args[0]!;
      expect(arg, node.fn === 'abs' ? 'number' : 'string', `${node.fn}()`);
      return node.fn === 'lower' || node.fn === 'upper' ? 'string' : 'number';
    }
    case 'bin': {
      const a = typeOf(node.a, columns);
      const b = typeOf(node.b, columns);
      if (node.op === 'and' || node.op === 'or') {
        want(node.a, a, 'boolean', `'${node.op}'`);
        want(node.b, b, 'boolean', `'${node.op}'`);
        return 'boolean';
      }
      if (ARITHMETIC.has(node.op)) {
        if (node.op === '+' && a === 'string' && b === 'string') return 'string';
        want(node.a, a, 'number', `'${node.op}'`);
        want(node.b, b, 'number', `'${node.op}'`);
        if ((node.op === '/' || node.op === '%') && node.b.t === 'lit' && node.b.v === 0)
          throw new ExpressionError(`'${node.op} 0' is unknown for every row`);
        return 'number';
      }
      if (a === 'null' || b === 'null')
        throw new ExpressionError(`'${node.op}' with null is unknown for every row; use is_null(...)`);
      if (a !== 'any' && b !== 'any' && a !== b)
        throw new ExpressionError(
          `'${node.op}' compares ${describeNode(node.a)} (a ${a}) with ${describeNode(node.b)} (a ${b}): unknown for every row`,
        );
      return 'boolean';
    }
  }
}

/**
 * Parses an expression; unknown columns are an ExpressionError naming them. Given the columns'
 * types, it also refuses what could only be unknown for every row (a string compared with a number,
 * arithmetic on text, division by a literal 0, a comparison with null, a result that is not true or false).
 */
export function compileExpression(
  source: string,
  knownColumns: readonly string[],
  columnTypes?: ReadonlyMap<string, ExpressionType>,
): CompiledExpression {
  const ast = new Parser(tokenize(source)).parse();
  const columns = [...columnsOf(ast, new Set())];
  const unknown = columns.filter((c) => !knownColumns.includes(c));
  if (unknown.length > 0)
    throw new ExpressionError(`unknown column(s) ${unknown.join(', ')}; known: ${knownColumns.join(', ')}`);
  if (columnTypes) {
    const result = typeOf(ast, columnTypes);
    if (result !== 'boolean' && result !== 'any')
      throw new ExpressionError(`the expression is a ${result}, not a condition that is true or false`);
  }
  return {
    columns,
    evaluate(get) {
      const v = evaluate(ast, get);
      return typeof v === 'boolean' ? v : undefined;
    },
  };
}
