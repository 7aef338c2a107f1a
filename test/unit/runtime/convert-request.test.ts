/**
 * The Convert function's input as the state machine passes it: Convert (one pass, no mode),
 * PlanConversion and AssembleConversion (a manifest), and a ConvertRanges child (a planned range).
 */
import { describe, expect, it } from 'vitest';

import { InvalidInputError } from '../../../lambdas/core/errors';
import { requireConvertRequest } from '../../../lambdas/runtime/convert-request';
import { csvInspection, objectRef, trainingDataOutput } from '../../fixtures/step-events';

const OBJECT = objectRef({ key: 'pipelines/sales/r1/export/big_orders/orders.csv', etag: 'abc', size: 9000 });
const OUTPUT = trainingDataOutput({ convertTo: 'parquet' });
const PART = {
  Key: OBJECT.key,
  Size: 9000,
  Etag: 'abc',
  Range: { kind: 'csv', index: 2, count: 4, headerEnd: 15, start: 4000, end: 6000 },
  FirstRow: 120,
};

describe('requireConvertRequest', () => {
  it('reads an event without a mode as the one-pass conversion', () => {
    // Act
    const request = requireConvertRequest({ object: OBJECT, output: OUTPUT, inspection: csvInspection() });

    // Assess
    expect(request).toMatchObject({ mode: 'object', object: OBJECT, output: OUTPUT });
  });

  it.each(['plan-ranges', 'assemble-ranges'] as const)('reads %s with the manifest key', (mode) => {
    // Act
    const request = requireConvertRequest({
      mode,
      object: OBJECT,
      output: OUTPUT,
      manifest: { kind: 'ranges', bucket: 'artifacts', key: 'manifests/m.json', parts: 4 },
    });

    // Assess
    expect(request).toEqual({ mode, object: OBJECT, output: OUTPUT, manifest: { key: 'manifests/m.json' } });
  });

  it('reads a range with its planned item, passed on whole', () => {
    // Act
    const request = requireConvertRequest({ mode: 'range', object: OBJECT, output: OUTPUT, part: PART });

    // Assess
    expect(request).toEqual({ mode: 'range', object: OBJECT, output: OUTPUT, part: PART });
  });

  it('refuses an unknown mode, a manifest without key and a range without its first row, naming the field', () => {
    // Arrange
    const base = { object: OBJECT, output: OUTPUT };

    // Act
    const attempts = [
      () => requireConvertRequest({ ...base, mode: 'ranges' }),
      () => requireConvertRequest({ ...base, mode: 'plan-ranges', manifest: { kind: 'ranges' } }),
      () => requireConvertRequest({ ...base, mode: 'range', part: { ...PART, FirstRow: -1 } }),
      () => requireConvertRequest({ ...base, mode: 'range', part: { ...PART, Range: { kind: 'csv' } } }),
    ];

    // Assess
    const errors = attempts.map((attempt) => {
      try {
        attempt();
        return undefined;
      } catch (error) {
        return error;
      }
    });
    expect(errors.every((e) => e instanceof InvalidInputError)).toBe(true);
    expect(errors.map((e) => (e as Error).message.split(' ')[0])).toEqual([
      'mode',
      'manifest.key',
      'part.FirstRow',
      'part.Range',
    ]);
  });
});
