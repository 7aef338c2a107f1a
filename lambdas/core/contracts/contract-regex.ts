/**
 * The one regular-expression engine of contracts: every `pattern` and `matches` regex runs on
 * re2js (a port of RE2), whose running time is linear in the value's length whatever the pattern.
 * A backtracking engine (RegExp) spends minutes on `(a+)+b` against 34 `a`s, inside a Lambda with a
 * 15-minute limit, and contracts are written by many people; docs/decisions/0005-linear-time-regexes.md
 * has the measurements behind the choice.
 *
 * Authors write JavaScript syntax with the `u` flag (what the contract schema documents, and what
 * the generator parses). The few places where RE2 reads the same text differently are rewritten
 * here so a pattern means what it meant under RegExp: `.` excludes every line terminator, `\s`
 * and `\S` are the Unicode white space JavaScript names, `\u{...}`/`\uXXXX` become RE2's `\x{...}`.
 * What RE2 cannot run in linear time (backreferences, lookahead, lookbehind) is refused when the
 * contract loads, naming the construct.
 */
import { RE2JS } from 're2js';
import { ContractError } from '../errors';

/** Longest pattern accepted; RE2's program grows with the pattern, so its size is bounded here. */
export const MAX_PATTERN_LENGTH = 4096;

/** JavaScript's `\s` under the `u` flag (ECMA-262 WhiteSpace and LineTerminator), in RE2 syntax. */
const JS_SPACE =
  '\\t\\n\\x{0b}\\f\\r \\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}\\x{feff}';
/** JavaScript's `.` without the `s` flag: anything but a line terminator. */
const JS_DOT = '[^\\n\\r\\x{2028}\\x{2029}]';

export interface ContractRegex {
  readonly source: string;
  /** Whole-value match for `pattern`, a search anywhere in the value for `matches`. */
  test(value: string): boolean;
}

/**
 * The construct a pattern uses that has no linear-time evaluation, or undefined. Scanned before
 * RE2 sees the pattern so the error names the construct rather than RE2's parse position.
 */
function nonLinearConstruct(pattern: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const next = pattern[i + 1];
      if (!inClass && next !== undefined && next >= '1' && next <= '9') return `a backreference (\\${next})`;
      if (!inClass && next === 'k' && pattern[i + 2] === '<') return 'a named backreference (\\k<...>)';
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(' && pattern[i + 1] === '?') {
      const head = pattern.slice(i, i + 4);
      if (head.startsWith('(?=')) return 'a lookahead (?=...)';
      if (head.startsWith('(?!')) return 'a negative lookahead (?!...)';
      if (head.startsWith('(?<=')) return 'a lookbehind (?<=...)';
      if (head.startsWith('(?<!')) return 'a negative lookbehind (?<!...)';
    }
  }
  return undefined;
}

/**
 * The RE2 spelling of the escape at `at` and the escape's length in the pattern. JavaScript's
 * `\u` escapes (a surrogate pair being one code point under `u`), `\cX`, `\0` and `\p{Script=X}`
 * have other spellings in RE2; every other escape reads the same in both.
 */
function escapeToRe2(pattern: string, at: number): [string, number] {
  // A bounded window: the longest escape rewritten here is well under 64 characters.
  const rest = pattern.slice(at, at + 64);
  const braced = /^\\u\{([0-9A-Fa-f]+)\}/.exec(rest);
  if (braced) return [`\\x{${braced[1]}}`, braced[0].length];
  const pair = /^\\u(D[89AB][0-9A-F]{2})\\u(D[C-F][0-9A-F]{2})/i.exec(rest);
  if (pair) {
    const cp = String(
      String.fromCharCode(parseInt(pair[1]!, 16), parseInt(pair[2]!, 16)).codePointAt(0)!.toString(16),
    );
    return [`\\x{${cp}}`, pair[0].length];
  }
  const four = /^\\u([0-9A-Fa-f]{4})/.exec(rest);
  if (four) return [`\\x{${four[1]}}`, four[0].length];
  const control = /^\\c([A-Za-z])/.exec(rest);
  if (control) return [`\\x{${(control[1]!.charCodeAt(0) % 32).toString(16)}}`, 3];
  if (rest.startsWith('\\0')) return ['\\x{0}', 2];
  const property = /^\\([pP])\{(?:Script|sc|General_Category|gc)=([A-Za-z_]+)\}/.exec(rest);
  if (property) return [`\\${property[1]}{${property[2]}}`, property[0].length];
  return [rest.slice(0, 2), 2];
}

/** Rewrites the constructs RE2 reads differently from JavaScript (see the module comment). */
function toRe2Syntax(pattern: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next === 's') out += inClass ? JS_SPACE : `[${JS_SPACE}]`;
      else if (next === 'S') {
        // A negated set cannot be spliced into an enclosing class without set difference, which RE2 lacks.
        if (inClass)
          throw new ContractError('\\S inside a character class is not supported; write [^...] instead');
        out += `[^${JS_SPACE}]`;
      } else {
        const [re2, length] = escapeToRe2(pattern, i);
        out += re2;
        i += length - 1;
        continue;
      }
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      // A leading ']' or '^]' is a literal in RE2 but ends an empty class in JavaScript: keep JS meaning.
      if (pattern[i + 1] === '^') out += pattern[++i];
      if (pattern[i + 1] === ']')
        throw new ContractError('an empty character class [] or [^] is not supported');
    } else if (c === '.') out += JS_DOT;
    else out += c;
  }
  return out;
}

/**
 * Compiles a contract regex. `whole` anchors it to the entire value (column `pattern`); otherwise it
 * matches anywhere in the value (rule `matches`), exactly like `RegExp.prototype.test`.
 * Throws ContractError saying what is wrong; callers add the contract location.
 */
export function compileContractRegex(pattern: string, anchoring: 'whole' | 'search'): ContractRegex {
  if (pattern.length > MAX_PATTERN_LENGTH)
    throw new ContractError(
      `the regular expression is ${pattern.length} characters; at most ${MAX_PATTERN_LENGTH} are accepted`,
    );
  try {
    new RegExp(pattern, 'u');
  } catch (error) {
    throw new ContractError(`not a valid regular expression: ${(error as Error).message}`);
  }
  const construct = nonLinearConstruct(pattern);
  if (construct !== undefined)
    throw new ContractError(
      `the regular expression uses ${construct}, which cannot be matched in linear time; rewrite it without`,
    );
  let re: RE2JS;
  try {
    re = RE2JS.compile(toRe2Syntax(pattern));
  } catch (error) {
    if (error instanceof ContractError) throw error;
    throw new ContractError(
      `the regular expression is not accepted by the linear-time engine: ${(error as Error).message}`,
    );
  }
  return anchoring === 'whole'
    ? { source: pattern, test: (value) => re.matches(value) }
    : { source: pattern, test: (value) => re.test(value) };
}
