/**
 * The JSON Schema shipped for editors (docs/contract.schema.json) is generated from the loader's
 * own definition; this keeps the committed copy from drifting (regenerate with
 * `npx prt contract schema > docs/contract.schema.json`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contractJsonSchema } from '../../../../lambdas/core/contracts/contract-schema';
import { PROJECT_ROOT } from '../../../../lib/config/project-paths';

describe('contract JSON Schema', () => {
  it('matches the committed docs/contract.schema.json', () => {
    // Prepare
    const committed = JSON.parse(
      readFileSync(join(PROJECT_ROOT, 'docs/contract.schema.json'), 'utf8'),
    ) as unknown;

    // Act
    const generated = contractJsonSchema();

    // Assess
    expect(committed).toEqual(generated);
  });

  it('describes every top-level key the loader accepts and rejects others', () => {
    // Act
    const schema = contractJsonSchema() as {
      properties: Record<string, unknown>;
      additionalProperties: boolean;
    };

    // Assess
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining([
        'pipeline',
        'step',
        'output',
        'path',
        'format',
        'schema',
        'quality',
        'inputs',
        'convert_to',
      ]),
    );
    expect(schema.additionalProperties).toBe(false);
  });
});
