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

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Compiles a path template into a matcher; placeholders match one key segment (no `/`). */
export function compilePathTemplate(template: string): (key: string) => Record<string, string> | undefined {
  const names: string[] = [];
  let pattern = '';
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    pattern += escapeRegExp(template.slice(last, m.index));
    pattern += '([^/]+)';
    names.push(m[1]!);
    last = m.index + m[0].length;
  }
  pattern += escapeRegExp(template.slice(last));
  const regex = new RegExp(`^${pattern}${template.endsWith('/') ? '.+' : ''}$`, 's');
  return (key) => {
    const m = regex.exec(key);
    if (!m) return undefined;
    const vars: Record<string, string> = {};
    names.forEach((n, i) => (vars[n] = m[i + 1]!));
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
