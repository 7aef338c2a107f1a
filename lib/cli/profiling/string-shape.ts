/**
 * Learns the shape of a text column, value by value, as a regular expression a contract can hold
 * (`pattern`, matched against the whole value with the `u` flag, as the validator does).
 *
 * Known formats are recognised first (UUIDs, e-mail addresses); otherwise each value is cut into
 * runs of upper-case letters, lower-case letters, digits and literal characters ("AB-1234" →
 * [A-Z]{2} "-" [0-9]{4}), and the runs of all values are merged while they line up. A shape is
 * only proposed when it describes a code rather than free text: every run has a fixed length, or
 * it mixes digits with a literal separator ("o-[0-9]+"). Names such as "Alice" never get a
 * pattern. State is a few flags and one list of at most MAX_RUNS runs: constant memory.
 */

const MAX_RUNS = 24;
const MAX_VALUE_LENGTH = 256;

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/u;
const LOWER_HEX = /^[0-9a-f]+$/;

export const UUID_PATTERN = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
export const EMAIL_PATTERN = '[^@\\s]+@[^@\\s]+\\.[^@\\s]+';

/**
 * A run: a character class ('A' upper, 'a' lower, '9' digit) or one literal character, its length
 * range, and its text while that is the same in every value (a constant prefix such as "o-").
 */
interface Run {
  readonly kind: string;
  min: number;
  max: number;
  text: string | undefined;
}

export interface InferredPattern {
  readonly pattern: string;
  /** uuid, email, hex, or shape (runs of letters, digits and literals). */
  readonly kind: 'uuid' | 'email' | 'hex' | 'shape';
  /** Why, for the draft's comment. */
  readonly reason: string;
}

function classOf(code: number): string | undefined {
  if (code >= 65 && code <= 90) return 'A';
  if (code >= 97 && code <= 122) return 'a';
  if (code >= 48 && code <= 57) return '9';
  return undefined;
}

const CLASS_REGEX: Readonly<Record<string, string>> = { A: '[A-Z]', a: '[a-z]', '9': '[0-9]' };

/** Escapes a literal for a `u`-flag regular expression (only syntax characters may be escaped there). */
function escapeLiteral(char: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(char) ? `\\${char}` : char;
}

function runsOf(value: string): Run[] | undefined {
  const runs: Run[] = [];
  for (const char of value) {
    const kind = classOf(char.codePointAt(0)!) ?? `=${char}`;
    const last = runs[runs.length - 1];
    if (last && last.kind === kind) {
      last.min++;
      last.max++;
      last.text += char;
    } else {
      if (runs.length === MAX_RUNS) return undefined;
      runs.push({ kind, min: 1, max: 1, text: char });
    }
  }
  return runs;
}

export class StringShape {
  private values = 0;
  private uuid = true;
  private uuidUpper = false;
  private email = true;
  private hex = true;
  private hexLength: number | undefined;
  private runs: Run[] | undefined;
  private shapeAlive = true;

  observe(value: string): void {
    this.values++;
    if (this.uuid) {
      if (!UUID.test(value)) this.uuid = false;
      else if (!this.uuidUpper && /[A-F]/.test(value)) this.uuidUpper = true;
    }
    if (this.email && !EMAIL.test(value)) this.email = false;
    if (
      this.hex &&
      (!LOWER_HEX.test(value) || (this.hexLength !== undefined && value.length !== this.hexLength))
    )
      this.hex = false;
    this.hexLength ??= value.length;
    if (!this.shapeAlive) return;
    const runs = value.length <= MAX_VALUE_LENGTH ? runsOf(value) : undefined;
    if (!runs || runs.length === 0) {
      this.shapeAlive = false;
      this.runs = undefined;
      return;
    }
    if (!this.runs) {
      this.runs = runs;
      return;
    }
    if (runs.length !== this.runs.length || runs.some((r, i) => r.kind !== this.runs![i]!.kind)) {
      this.shapeAlive = false;
      this.runs = undefined;
      return;
    }
    runs.forEach((r, i) => {
      const merged = this.runs![i]!;
      merged.min = Math.min(merged.min, r.min);
      merged.max = Math.max(merged.max, r.max);
      if (merged.text !== r.text) merged.text = undefined;
    });
  }

  /** The pattern every observed value matches, when one describes a code; undefined otherwise. */
  pattern(): InferredPattern | undefined {
    if (this.values === 0) return undefined;
    if (this.uuid) {
      return {
        pattern: this.uuidUpper ? UUID_PATTERN : UUID_PATTERN.replace(/A-F/g, ''),
        kind: 'uuid',
        reason: 'every value is a UUID',
      };
    }
    if (this.email)
      return { pattern: EMAIL_PATTERN, kind: 'email', reason: 'every value is an e-mail address' };
    const runs = this.shapeAlive ? this.runs : undefined;
    if (runs) {
      const fixed = runs.every((r) => r.min === r.max);
      const digits = runs.some((r) => r.kind === '9');
      const separator = runs.some((r) => r.kind.startsWith('=') && r.kind !== '= ');
      // Free text (words, names) has letter runs of varying length and no digits: no pattern.
      if (fixed || (digits && separator)) {
        const pattern = runs
          .map((r) => {
            // A letter run that never changes ("o" in "o-17") is written as itself; digits stay a class.
            if (r.kind !== '9' && r.text !== undefined && this.values > 1)
              return [...r.text].map(escapeLiteral).join('');
            const atom = r.kind.startsWith('=') ? escapeLiteral(r.kind.slice(1)) : CLASS_REGEX[r.kind]!;
            if (r.min === r.max) return r.min === 1 ? atom : `${atom}{${r.min}}`;
            return `${atom}+`;
          })
          .join('');
        return { pattern, kind: 'shape', reason: `every value has the shape ${pattern}` };
      }
    }
    if (this.hex && this.hexLength !== undefined && this.hexLength >= 8) {
      return {
        pattern: `[0-9a-f]{${this.hexLength}}`,
        kind: 'hex',
        reason: `every value is ${this.hexLength} lower-case hex digits`,
      };
    }
    return undefined;
  }
}
