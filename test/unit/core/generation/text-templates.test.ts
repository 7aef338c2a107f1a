/** Text from templates. */
import { describe, expect, it } from 'vitest';
import { CellRandom } from '../../../../lambdas/core/generation/cell-random';
import { compileTemplate } from '../../../../lambdas/core/generation/text-template';

describe('text templates', () => {
  it('fills placeholders and keeps literal braces', () => {
    // Prepare
    const template = compileTemplate(
      '{{id}} {digits:4}-{upper:2} {int:5-7} {choice:a|b} {first_name} in {city}',
      1,
    );
    const rand = new CellRandom(3);
    // Act
    const items = Array.from({ length: 200 }, (_, i) => template.sample(rand.at(i)));
    // Assess
    for (const item of items) expect(item).toMatch(/^\{id\} \d{4}-[A-Z]{2} [5-7] [ab] \S.* in \S.*$/);
    expect(new Set(items).size).toBe(200);
  });

  it('Noncompliance: names an unknown placeholder', () => {
    expect(() => compileTemplate('hi {nickname}', 1, 'note')).toThrow(
      /^note: unknown placeholder \{nickname\}/,
    );
    expect(() => compileTemplate('{int:9-1}', 1)).toThrow(/min 9 > max 1/);
  });
});
