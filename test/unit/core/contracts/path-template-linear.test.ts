/**
 * Path templates match in time linear in the key: the work of one match, counted in steps (key
 * positions tried and characters compared), stays within a small multiple of the key's length even
 * on keys built to make adjacent placeholders backtrack, and the captures are the ones the
 * backtracking regex gave.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePathTemplate, type MatchMeter } from '../../../../lambdas/core/contracts/match-output-key';

/** The matcher path templates used to compile to: a backtracking regex (the reference for captures). */
function backtrackingMatch(template: string, key: string): Record<string, string> | undefined {
  const names: string[] = [];
  let pattern = '';
  let last = 0;
  for (const m of template.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
    pattern += template.slice(last, m.index).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    pattern += '([^/]+)';
    names.push(m[1]!);
    last = m.index + m[0].length;
  }
  pattern += template.slice(last).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`^${pattern}${template.endsWith('/') ? '.+' : ''}$`, 's').exec(key);
  if (!m) return undefined;
  const vars: Record<string, string> = {};
  names.forEach((n, i) => (vars[n] = m[i + 1]!));
  return vars;
}

/** The 814-byte key that took 10.6 s against the template with four adjacent placeholders. */
const HOSTILE_TEMPLATE = 'exports/{year}-{month}-{day}-{part}.csv';
const HOSTILE_KEY = `exports/${'-'.repeat(801)}.csvx`; // 814 bytes

describe('path templates match in linear time', () => {
  it.each([
    ['814 bytes of dashes missing the .csv end', HOSTILE_KEY],
    ['a long segment with no dash at all', `exports/${'ab'.repeat(401)}.csv`],
    ['dashes everywhere but a / in the middle', `exports/${'-'.repeat(400)}/${'-'.repeat(400)}.csv`],
  ])('%s: no match, at most a few steps per byte', (_, key) => {
    // Prepare
    const meter: MatchMeter = { steps: 0 };
    const match = compilePathTemplate(HOSTILE_TEMPLATE, meter);

    // Act
    const result = match(key);

    // Assess
    expect(result).toBeUndefined();
    expect(meter.steps).toBeGreaterThan(0);
    expect(meter.steps).toBeLessThanOrEqual(4 * key.length);
  });

  it('a key of dashes that does match is captured with each placeholder as long as the rest allows', () => {
    // Prepare
    const meter: MatchMeter = { steps: 0 };
    const match = compilePathTemplate(HOSTILE_TEMPLATE, meter);
    const key = `exports/${'a-'.repeat(400)}z.csv`;

    // Act
    const result = match(key);

    // Assess
    expect(result).toEqual(backtrackingMatch(HOSTILE_TEMPLATE, key));
    expect(result?.part).toBe('z');
    expect(meter.steps).toBeGreaterThan(0);
    expect(meter.steps).toBeLessThanOrEqual(4 * key.length);
  });

  it('the work grows linearly: doubling the key at most doubles the steps (plus a constant)', () => {
    // Prepare
    const steps = [400, 800, 1600].map((n) => {
      const meter: MatchMeter = { steps: 0 };
      compilePathTemplate('{a}{b}{c}{d}-x', meter)('-'.repeat(n));
      return meter.steps;
    });

    // Act
    const ratios = [steps[1]! / steps[0]!, steps[2]! / steps[1]!];

    // Assess
    for (const r of ratios) expect(r).toBeLessThanOrEqual(2.05);
  });

  it('a placeholder named __proto__ is captured like any other', () => {
    // Prepare
    const match = compilePathTemplate('runs/{__proto__}/data.csv');

    // Act
    const result = match('runs/r1/data.csv');

    // Assess
    expect(Object.keys(result ?? {})).toEqual(['__proto__']);
    expect(result?.['__proto__']).toBe('r1');
  });
});

describe('captures are those of the backtracking regex', () => {
  const piece = fc.constantFrom('a', '-', '.', '/', 'ab', '_', 'x');
  const templates = fc
    .array(fc.oneof(piece, fc.constantFrom('{p}', '{q}', '{r}', '{s}')), { minLength: 1, maxLength: 7 })
    .map((parts) => {
      // Distinct names, so each capture is compared on its own.
      let n = 0;
      return parts.map((p) => (p.startsWith('{') ? `{v${n++}}` : p)).join('');
    });
  const keys = fc
    .array(fc.constantFrom('a', '-', '.', '/', 'b', '_', 'x'), { maxLength: 14 })
    .map((cs) => cs.join(''));

  it('agrees on arbitrary templates and keys, folders included', () => {
    fc.assert(
      fc.property(templates, keys, fc.boolean(), (template, key, folder) => {
        // Prepare
        const t = folder && !template.endsWith('/') ? `${template}/` : template;

        // Act
        const result = compilePathTemplate(t)(key);

        // Assess
        const expected = backtrackingMatch(t, key);
        expect(result === undefined ? undefined : { ...result }).toEqual(expected);
      }),
      { numRuns: 3000 },
    );
  });
});
