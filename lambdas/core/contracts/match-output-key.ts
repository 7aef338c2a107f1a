/**
 * Maps an S3 key to the contract that claims it. A path template such as
 * `pipelines/sales/{run_id}/preprocessing/training_data/` claims every key under it and captures
 * `run_id`; a template without a trailing `/` claims exactly one key shape.
 */
import { ContractError } from '../errors';
import type { OutputContract } from './output-contract';

export interface KeyMatch {
  readonly contract: OutputContract;
  /** Values captured by the template's placeholders, e.g. { run_id: '2024-06-01' }. */
  readonly variables: Readonly<Record<string, string>>;
  /** Literal characters in the template: the more, the more specific the claim. */
  readonly specificity: number;
}

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Counts the work of a match: one step per key position a literal is tried at, or per character compared. */
export interface MatchMeter {
  steps: number;
}

/** One `/`-free segment of a template: literals[0] {names[0]} literals[1] ... {names[k-1]} literals[k]. */
interface Segment {
  readonly literals: readonly string[];
  readonly names: readonly string[];
}

function segmentOf(text: string): Segment {
  const literals: string[] = [];
  const names: string[] = [];
  let last = 0;
  for (const m of text.matchAll(PLACEHOLDER)) {
    literals.push(text.slice(last, m.index));
    names.push(m[1]!);
    last = m.index + m[0].length;
  }
  literals.push(text.slice(last));
  return { literals, names };
}

/** Whether `literal` occurs in `text` at `at`, charging each character compared. */
function occursAt(text: string, literal: string, at: number, meter: MatchMeter): boolean {
  for (let i = 0; i < literal.length; i++) {
    meter.steps++;
    if (text.charCodeAt(at + i) !== literal.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Matches one key segment, filling `vars`. Captures are what a backtracking `^L0(.+)L1(.+)…Lk$`
 * gives (each placeholder as long as the rest allows), found without backtracking: the literals are
 * placed right to left, each at its rightmost occurrence that leaves every placeholder to its right
 * at least one character. Placing the later literals as far right as possible leaves the most room
 * to their left, so a placement exists iff this one succeeds, and the rightmost start of each
 * literal is exactly where the longest capture before it ends. Each key position is tried at most
 * once per literal, so the work is linear in the key for a given template.
 */
function matchSegment(seg: Segment, text: string, vars: Record<string, string>, meter: MatchMeter): boolean {
  const { literals, names } = seg;
  const k = names.length;
  const last = literals[k]!;
  if (k === 0) return text.length === last.length && occursAt(text, last, 0, meter);
  const starts = new Array<number>(k + 1);
  const lastStart = text.length - last.length;
  starts[k] = lastStart;
  if (lastStart < 0 || !occursAt(text, last, lastStart, meter)) return false;
  const first = literals[0]!;
  for (let j = k - 1; j >= 1; j--) {
    const literal = literals[j]!;
    // The placeholder after this literal needs at least one character; the one before it too.
    let at = starts[j + 1]! - 1 - literal.length;
    while (at >= first.length + 1 && !occursAt(text, literal, at, meter)) {
      meter.steps++;
      at--;
    }
    if (at < first.length + 1) return false;
    starts[j] = at;
  }
  if (starts[1]! - first.length < 1 || !occursAt(text, first, 0, meter)) return false;
  let from = first.length;
  for (let j = 0; j < k; j++) {
    vars[names[j]!] = text.slice(from, starts[j + 1]);
    from = starts[j + 1]! + literals[j + 1]!.length;
  }
  return true;
}

/**
 * Compiles a path template into a matcher; placeholders match one key segment (no `/`), so the
 * template's `/`s meet the key's `/`s one to one and each segment is matched on its own. Matching
 * is linear in the key's length: a backtracking regex spent 10 s on one 814-byte key against
 * `exports/{year}-{month}-{day}-{part}.csv`, and Register matches every key against every contract.
 */
export function compilePathTemplate(
  template: string,
  meter: MatchMeter = { steps: 0 },
): (key: string) => Record<string, string> | undefined {
  // A trailing `/` claims every non-empty remainder below the folder.
  const folder = template.endsWith('/');
  const segments = (folder ? template.slice(0, -1) : template).split('/').map(segmentOf);
  return (key) => {
    const parts = key.split('/');
    meter.steps += key.length;
    if (folder ? parts.length <= segments.length : parts.length !== segments.length) return undefined;
    if (folder && parts.slice(segments.length).join('/').length === 0) return undefined;
    // Placeholder names are keys: a null-prototype object keeps one named __proto__.
    const vars = Object.create(null) as Record<string, string>;
    for (let i = 0; i < segments.length; i++) {
      if (!matchSegment(segments[i]!, parts[i]!, vars, meter)) return undefined;
    }
    return vars;
  };
}

/** Finds the single most specific contract for a key; undefined when none claims it. */
export function matchOutputKey(contracts: readonly OutputContract[], key: string): KeyMatch | undefined {
  const matches: KeyMatch[] = [];
  for (const contract of contracts) {
    const variables = compilePathTemplate(contract.path)(key);
    if (variables)
      matches.push({ contract, variables, specificity: contract.path.replace(PLACEHOLDER, '').length });
  }
  matches.sort((a, b) => b.specificity - a.specificity);
  const [best, second] = matches;
  if (best && second && best.specificity === second.specificity) {
    throw new ContractError(
      `key '${key}' is claimed equally by ${best.contract.pipeline}/${best.contract.step}/${best.contract.output} and ${second.contract.pipeline}/${second.contract.step}/${second.contract.output}; make one path template more specific`,
    );
  }
  return best;
}
