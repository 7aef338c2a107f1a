/**
 * Strings that match a regular expression, for `pattern` columns and `--pattern` text. Supports
 * the subset contracts use: literals and escapes, `.`, classes (`[a-z0-9_]`, `[^...]`, `\d \w \s`
 * and their negations), groups (`(...)`, `(?:...)`, `(?<name>...)`), alternation, and the
 * quantifiers `? * + {m} {m,} {m,n}` (lazy or not). Unbounded quantifiers repeat at most
 * UNBOUNDED_EXTRA times beyond their minimum. Anchors are accepted only at the ends (the validator
 * anchors the whole value anyway). Anything else (backreferences, lookaround, `\b`, `\p{...}`) is
 * a GenerationError naming the construct: a generator that guessed would produce values the
 * validator rejects.
 *
 * Negated classes and `.` draw from printable ASCII: every character they produce matches, they
 * just never produce the rest of Unicode.
 *
 * Lengths: a dynamic program over the pattern records, for each length up to MAX_LENGTH, whether
 * the pattern can produce it (and the largest number of distinct strings of a fixed shape), so a
 * `length` constraint is met exactly instead of by rejection, an impossible pattern/length pair is
 * reported before anything is written, and unique values are enumerated by index.
 */
import type { CellRandom } from './cell-random';
import { GenerationError } from './generation-error';

/** Extra repetitions an unbounded quantifier (`*`, `+`, `{m,}`) may produce. */
export const UNBOUNDED_EXTRA = 8;
/** Longest string the length tables track. */
export const MAX_LENGTH = 512;

type Node =
  | { readonly t: 'chars'; readonly chars: string }
  | { readonly t: 'seq'; readonly items: readonly Node[] }
  | { readonly t: 'alt'; readonly options: readonly Node[] }
  | { readonly t: 'rep'; readonly node: Node; readonly min: number; readonly max: number };

const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');
const DIGITS = '0123456789';
const WORD = `ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz${DIGITS}_`;
const SPACE = ' ';

function complement(chars: string): string {
  return [...PRINTABLE].filter((c) => !chars.includes(c)).join('');
}

class Parser {
  private i = 0;
  constructor(private readonly src: string) {}

  private unsupported(what: string): never {
    throw new GenerationError(
      `pattern '${this.src}' uses ${what} at position ${this.i}, which synthetic generation does not support`,
    );
  }

  parse(): Node {
    if (this.src.startsWith('^')) this.i = 1;
    const node = this.alternation();
    if (this.i < this.src.length) this.unsupported(`'${this.src[this.i]}'`);
    return node;
  }

  private alternation(): Node {
    const options = [this.sequence()];
    while (this.src[this.i] === '|') {
      this.i++;
      options.push(this.sequence());
    }
    return options.length === 1 ? options[0]! : { t: 'alt', options };
  }

  private sequence(): Node {
    const items: Node[] = [];
    while (this.i < this.src.length && this.src[this.i] !== '|' && this.src[this.i] !== ')') {
      if (this.src[this.i] === '$') {
        this.i++;
        if (this.i === this.src.length) break;
        this.unsupported("an anchor '$' before the end");
      }
      if (this.src[this.i] === '^') this.unsupported("an anchor '^' after the start");
      items.push(this.quantified(this.atom()));
    }
    return items.length === 1 ? items[0]! : { t: 'seq', items };
  }

  private quantified(node: Node): Node {
    const c = this.src[this.i];
    let min: number;
    let max: number;
    if (c === '*' || c === '+' || c === '?') {
      this.i++;
      min = c === '+' ? 1 : 0;
      max = c === '?' ? 1 : min + UNBOUNDED_EXTRA;
    } else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
      if (!m) this.unsupported("a '{' that is not a quantifier");
      this.i += m[0].length;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? min + UNBOUNDED_EXTRA : Number(m[3]);
      if (max < min) this.unsupported(`the quantifier ${m[0]} (min > max)`);
    } else return node;
    if (this.src[this.i] === '?') this.i++; // lazy: same language
    const next = this.src[this.i];
    if (next !== undefined && '*+?{'.includes(next)) this.unsupported('a quantifier after a quantifier');
    return { t: 'rep', node, min, max };
  }

  private atom(): Node {
    const c = this.src[this.i]!;
    if (c === '(') {
      this.i++;
      if (this.src.startsWith('?:', this.i)) this.i += 2;
      else if (/^\?<[A-Za-z_$][\w$]*>/.test(this.src.slice(this.i)))
        this.i = this.src.indexOf('>', this.i) + 1;
      else if (this.src[this.i] === '?') this.unsupported('lookaround');
      const inner = this.alternation();
      if (this.src[this.i] !== ')') this.unsupported('an unclosed group');
      this.i++;
      return inner;
    }
    if (c === '[') return { t: 'chars', chars: this.charClass() };
    if (c === '.') {
      this.i++;
      return { t: 'chars', chars: PRINTABLE };
    }
    if (c === '\\') return { t: 'chars', chars: this.escape(false) };
    if ('*+?{}'.includes(c)) this.unsupported(`a quantifier '${c}' with nothing to repeat`);
    if (c === ')') this.unsupported("an unmatched ')'");
    this.i++;
    const code = c.codePointAt(0)!;
    if (code > 0xffff) {
      this.i++;
      return { t: 'chars', chars: String.fromCodePoint(code) };
    }
    return { t: 'chars', chars: c };
  }

  /** Reads an escape (at a backslash); returns the characters it stands for. */
  private escape(inClass: boolean): string {
    this.i++;
    const c = this.src[this.i];
    if (c === undefined) this.unsupported('a trailing backslash');
    this.i++;
    switch (c) {
      case 'd':
        return DIGITS;
      case 'D':
        return complement(DIGITS);
      case 'w':
        return WORD;
      case 'W':
        return complement(WORD);
      case 's':
        return SPACE;
      case 'S':
        return complement(' \t\n\r\f\v');
      case 't':
        return '\t';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 'f':
        return '\f';
      case 'v':
        return '\v';
      case '0':
        return '\0';
      case 'x': {
        const hex = /^[0-9a-fA-F]{2}/.exec(this.src.slice(this.i));
        if (!hex) this.unsupported('a malformed \\x escape');
        this.i += 2;
        return String.fromCharCode(parseInt(hex[0], 16));
      }
      case 'u': {
        const hex = /^(?:([0-9a-fA-F]{4})|\{([0-9a-fA-F]{1,6})\})/.exec(this.src.slice(this.i));
        if (!hex) this.unsupported('a malformed \\u escape');
        this.i += hex[0].length;
        return String.fromCodePoint(parseInt(hex[1] ?? hex[2]!, 16));
      }
      case 'b':
        if (inClass) return '\b';
        return this.unsupported('a word boundary \\b');
      default:
        if (/[1-9]/.test(c)) this.unsupported('a backreference');
        if (/[A-Za-z]/.test(c)) this.unsupported(`the escape \\${c}`);
        return c;
    }
  }

  private charClass(): string {
    this.i++;
    let negate = false;
    if (this.src[this.i] === '^') {
      negate = true;
      this.i++;
    }
    const set = new Set<string>();
    while (this.src[this.i] !== ']') {
      if (this.i >= this.src.length) this.unsupported('an unclosed character class');
      const start = this.classAtom();
      if (this.src[this.i] === '-' && this.src[this.i + 1] !== ']' && this.src[this.i + 1] !== undefined) {
        this.i++;
        const end = this.classAtom();
        if (start.length !== 1 || end.length !== 1) this.unsupported('a range between character sets');
        const a = start.codePointAt(0)!;
        const b = end.codePointAt(0)!;
        if (b < a) this.unsupported('a reversed range');
        for (let k = a; k <= b && set.size < 70000; k++) set.add(String.fromCodePoint(k));
      } else for (const ch of start.length === 1 ? [start] : [...start]) set.add(ch);
    }
    this.i++;
    const chars = [...set].join('');
    return negate ? complement(chars) : chars;
  }

  /** One class member: a character or an escape (which may stand for several). */
  private classAtom(): string {
    if (this.src[this.i] === '\\') return this.escape(true);
    const ch = String.fromCodePoint(this.src.codePointAt(this.i)!);
    this.i += ch.length;
    return ch;
  }
}

/** Max log2 of distinct fixed-shape strings per length; -Infinity where the length is impossible. */
type LengthTable = Float64Array;

function emptyTable(): LengthTable {
  return new Float64Array(MAX_LENGTH + 1).fill(-Infinity);
}

function convolve(a: LengthTable, b: LengthTable): LengthTable {
  const out = emptyTable();
  for (let i = 0; i <= MAX_LENGTH; i++) {
    if (a[i] === -Infinity) continue;
    for (let j = 0; i + j <= MAX_LENGTH; j++) {
      if (b[j] === -Infinity) continue;
      const v = a[i]! + b[j]!;
      if (v > out[i + j]!) out[i + j] = v;
    }
  }
  return out;
}

function maxInto(target: LengthTable, source: LengthTable): void {
  for (let i = 0; i <= MAX_LENGTH; i++) if (source[i]! > target[i]!) target[i] = source[i]!;
}

/** Length tables for every node, and the suffix/power tables exact-length sampling needs. */
class Tables {
  readonly of = new Map<Node, LengthTable>();
  /** seq: suffix[i] = table of items[i..]; rep: powers[k] = table of k copies. */
  readonly suffix = new Map<Node, LengthTable[]>();
  readonly powers = new Map<Node, LengthTable[]>();

  table(node: Node): LengthTable {
    const hit = this.of.get(node);
    if (hit) return hit;
    let t: LengthTable;
    switch (node.t) {
      case 'chars':
        t = emptyTable();
        if (node.chars.length > 0) t[1] = Math.log2([...node.chars].length);
        break;
      case 'alt':
        t = emptyTable();
        for (const o of node.options) maxInto(t, this.table(o));
        break;
      case 'seq': {
        const suffix: LengthTable[] = new Array<LengthTable>(node.items.length + 1);
        let acc = emptyTable();
        acc[0] = 0;
        suffix[node.items.length] = acc;
        for (let k = node.items.length - 1; k >= 0; k--) {
          acc = convolve(this.table(node.items[k]!), acc);
          suffix[k] = acc;
        }
        this.suffix.set(node, suffix);
        t = acc;
        break;
      }
      case 'rep': {
        const child = this.table(node.node);
        const powers: LengthTable[] = [];
        let acc = emptyTable();
        acc[0] = 0;
        powers.push(acc);
        t = emptyTable();
        if (node.min === 0) t[0] = 0;
        for (let k = 1; k <= node.max; k++) {
          acc = convolve(child, acc);
          powers.push(acc);
          if (k >= node.min) maxInto(t, acc);
          if (acc.every((v) => v === -Infinity)) break;
        }
        this.powers.set(node, powers);
        break;
      }
    }
    this.of.set(node, t);
    return t;
  }
}

function pickFeasible(rand: CellRandom, candidates: number[]): number {
  return candidates[rand.below(candidates.length)]!;
}

export interface PatternGenerator {
  readonly pattern: string;
  /** Lengths (in characters) the pattern can produce within the bounds, ascending. */
  readonly lengths: readonly number[];
  /** A random matching string; its length within the bounds. */
  readonly sample: (rand: CellRandom) => string;
  /** Number of distinct strings `nth` enumerates (capped at 2^52). */
  readonly uniqueCapacity: number;
  /** The i-th of `uniqueCapacity` distinct matching strings (0 <= i < uniqueCapacity). */
  readonly nth: (i: number) => string;
}

/**
 * Compiles a pattern (with optional inclusive length bounds) into a generator. Throws a
 * GenerationError, naming `subject`, when the pattern uses an unsupported construct or cannot
 * produce a string of an allowed length.
 */
export function compilePattern(
  pattern: string,
  bounds: readonly [number, number] = [0, MAX_LENGTH],
  subject?: string,
): PatternGenerator {
  let root: Node;
  try {
    root = new Parser(pattern).parse();
  } catch (error) {
    if (error instanceof GenerationError && subject) throw new GenerationError(error.message, subject);
    throw error;
  }
  const tables = new Tables();
  const rootTable = tables.table(root);
  const lo = Math.max(0, bounds[0]);
  const hi = Math.min(MAX_LENGTH, bounds[1]);
  const lengths: number[] = [];
  for (let l = lo; l <= hi; l++) if (rootTable[l] !== -Infinity) lengths.push(l);
  if (lengths.length === 0) {
    const possible = [...rootTable.keys()].filter((l) => rootTable[l] !== -Infinity);
    const what =
      possible.length === 0
        ? 'matches nothing'
        : `only matches strings of ${possible[0]}..${possible.at(-1)} characters, not ${lo}..${bounds[1]}`;
    throw new GenerationError(`pattern '${pattern}' ${what}`, subject);
  }

  const exact = (node: Node, len: number, rand: CellRandom, out: string[]): void => {
    switch (node.t) {
      case 'chars': {
        const chars = node.chars;
        // Surrogate pairs only appear in classes built from code points; index by code point then.
        if (chars.length === [...chars].length || chars.length < 2)
          out.push(chars[rand.below(chars.length)]!);
        else {
          const points = [...chars];
          out.push(points[rand.below(points.length)]!);
        }
        return;
      }
      case 'alt': {
        const ok = node.options.filter((o) => tables.table(o)[len] !== -Infinity);
        exact(ok[rand.below(ok.length)]!, len, rand, out);
        return;
      }
      case 'seq': {
        const suffix = tables.suffix.get(node)!;
        let left = len;
        for (let k = 0; k < node.items.length; k++) {
          const item = tables.table(node.items[k]!);
          const rest = suffix[k + 1]!;
          const options: number[] = [];
          for (let l = 0; l <= left; l++)
            if (item[l] !== -Infinity && rest[left - l] !== -Infinity) options.push(l);
          const l = pickFeasible(rand, options);
          exact(node.items[k]!, l, rand, out);
          left -= l;
        }
        return;
      }
      case 'rep': {
        const powers = tables.powers.get(node)!;
        const counts: number[] = [];
        for (let k = node.min; k < powers.length; k++) if (powers[k]![len] !== -Infinity) counts.push(k);
        let copies = pickFeasible(rand, counts);
        let left = len;
        const child = tables.table(node.node);
        while (copies > 0) {
          const rest = powers[copies - 1]!;
          const options: number[] = [];
          for (let l = 0; l <= left; l++)
            if (child[l] !== -Infinity && rest[left - l] !== -Infinity) options.push(l);
          const l = pickFeasible(rand, options);
          exact(node.node, l, rand, out);
          left -= l;
          copies--;
        }
        return;
      }
    }
  };

  // Unique values: the fixed shape (a character set per position) with the most strings among
  // the allowed lengths. Distinct indexes give distinct strings because every position is fixed.
  let bestLength = lengths[0]!;
  for (const l of lengths) if (rootTable[l]! > rootTable[bestLength]!) bestLength = l;
  let shape: string[][] | undefined;
  const buildShape = (node: Node, len: number, out: string[][]): void => {
    switch (node.t) {
      case 'chars':
        out.push([...node.chars]);
        return;
      case 'alt': {
        let best = node.options[0]!;
        for (const o of node.options) if (tables.table(o)[len]! > tables.table(best)[len]!) best = o;
        buildShape(best, len, out);
        return;
      }
      case 'seq': {
        const suffix = tables.suffix.get(node)!;
        let left = len;
        for (let k = 0; k < node.items.length; k++) {
          const item = tables.table(node.items[k]!);
          const rest = suffix[k + 1]!;
          let pick = -1;
          for (let l = 0; l <= left; l++) {
            const v = item[l]! + rest[left - l]!;
            if (v !== -Infinity && (pick < 0 || v > item[pick]! + rest[left - pick]!)) pick = l;
          }
          buildShape(node.items[k]!, pick, out);
          left -= pick;
        }
        return;
      }
      case 'rep': {
        const powers = tables.powers.get(node)!;
        let copies = node.min;
        for (let k = node.min; k < powers.length; k++)
          if (powers[k]![len]! > powers[copies]![len]!) copies = k;
        let left = len;
        const child = tables.table(node.node);
        while (copies > 0) {
          const rest = powers[copies - 1]!;
          let pick = -1;
          for (let l = 0; l <= left; l++) {
            const v = child[l]! + rest[left - l]!;
            if (v !== -Infinity && (pick < 0 || v > child[pick]! + rest[left - pick]!)) pick = l;
          }
          buildShape(node.node, pick, out);
          left -= pick;
          copies--;
        }
        return;
      }
    }
  };
  const shapeOf = (): string[][] => {
    if (!shape) {
      shape = [];
      buildShape(root, bestLength, shape);
    }
    return shape;
  };
  const capacity = Math.min(2 ** 52, Math.round(2 ** rootTable[bestLength]!));

  const simple = lengths.length === 1 && lengths[0] === lo && lo === hi;
  return {
    pattern,
    lengths,
    uniqueCapacity: capacity,
    sample(rand) {
      const len = simple ? lo : lengths[rand.below(lengths.length)]!;
      const out: string[] = [];
      exact(root, len, rand, out);
      return out.join('');
    },
    nth(i) {
      const positions = shapeOf();
      let rest = i;
      const out = new Array<string>(positions.length);
      for (let p = positions.length - 1; p >= 0; p--) {
        const chars = positions[p]!;
        out[p] = chars[rest % chars.length]!;
        rest = Math.floor(rest / chars.length);
      }
      return out.join('');
    },
  };
}
