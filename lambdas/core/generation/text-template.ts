/**
 * Text from templates with placeholders, for `template` column hints and `prt generate text`:
 *
 *   'Order {digits:6} for {first_name} {last_name} in {city}: {int:1-20} items, {choice:paid|open}'
 *
 * Placeholders: any semantic kind (`{email}`, `{city}`, `{company}` ...), `{int:MIN-MAX}`,
 * `{digits:N}`, `{letters:N}` (lower case), `{upper:N}`, `{choice:a|b|c}`. `{{` and `}}` are
 * literal braces. An unknown placeholder is a GenerationError naming it.
 */
import type { CellRandom } from './cell-random';
import { GenerationError } from './generation-error';
import { SEMANTIC_KINDS, semanticPool, type SemanticKind } from './semantic-pools';

type Part = string | ((rand: CellRandom) => string);

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = LOWER.toUpperCase();

function run(chars: string, n: number): (rand: CellRandom) => string {
  return (rand) => {
    let out = '';
    for (let i = 0; i < n; i++) out += chars[rand.below(chars.length)]!;
    return out;
  };
}

function placeholder(spec: string, seed: number, subject: string): Part {
  const [name, arg] = spec.split(/:(.*)/s, 2) as [string, string | undefined];
  if (arg === undefined && (SEMANTIC_KINDS as string[]).includes(name)) {
    const pool = semanticPool(name as SemanticKind, seed);
    return (rand) => pool[rand.below(pool.length)]!;
  }
  const count = (): number => {
    const n = Number(arg);
    if (!Number.isInteger(n) || n < 0 || n > 1000)
      throw new GenerationError(`{${spec}}: '${arg}' is not a count 0..1000`, subject);
    return n;
  };
  switch (name) {
    case 'int': {
      const m = /^(-?\d+)(?:-|\.\.)(-?\d+)$/.exec(arg ?? '');
      if (!m) throw new GenerationError(`{${spec}}: expected {int:MIN-MAX}`, subject);
      const lo = Number(m[1]);
      const hi = Number(m[2]);
      if (lo > hi) throw new GenerationError(`{${spec}}: min ${lo} > max ${hi}`, subject);
      return (rand) => String(lo + rand.below(hi - lo + 1));
    }
    case 'digits':
      return run('0123456789', count());
    case 'letters':
      return run(LOWER, count());
    case 'upper':
      return run(UPPER, count());
    case 'choice': {
      const options = (arg ?? '').split('|');
      if (arg === undefined || arg === '')
        throw new GenerationError(`{${spec}}: expected {choice:a|b|c}`, subject);
      return (rand) => options[rand.below(options.length)]!;
    }
    default:
      throw new GenerationError(
        `unknown placeholder {${spec}}; use a kind (${SEMANTIC_KINDS.slice(0, 6).join(', ')}...), int, digits, letters, upper or choice`,
        subject,
      );
  }
}

export interface TextTemplate {
  readonly template: string;
  readonly sample: (rand: CellRandom) => string;
}

export function compileTemplate(template: string, seed: number, subject = 'template'): TextTemplate {
  const parts: Part[] = [];
  let literal = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if ((c === '{' || c === '}') && template[i + 1] === c) {
      literal += c;
      i++;
    } else if (c === '{') {
      const end = template.indexOf('}', i);
      if (end < 0) throw new GenerationError(`unclosed '{' at position ${i} of '${template}'`, subject);
      if (literal) parts.push(literal);
      literal = '';
      parts.push(placeholder(template.slice(i + 1, end), seed, subject));
      i = end;
    } else if (c === '}')
      throw new GenerationError(
        `unmatched '}' at position ${i} of '${template}' (write }} for a brace)`,
        subject,
      );
    else literal += c;
  }
  if (literal) parts.push(literal);
  return {
    template,
    sample(rand) {
      let out = '';
      for (const p of parts) out += typeof p === 'string' ? p : p(rand);
      return out;
    },
  };
}
