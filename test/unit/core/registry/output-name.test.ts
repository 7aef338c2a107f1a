import { describe, expect, it } from 'vitest';

import {
  formatOutputName,
  isOutputName,
  parseOutputName,
} from '../../../../lambdas/core/registry/output-name';
import { OutputNameError } from '../../../../lambdas/core/registry/registry-errors';

describe('logical output names', () => {
  it('parses pipeline/step/output and step/output within a pipeline', () => {
    // Act
    const full = parseOutputName('sales/preprocessing/training_data');
    const relative = parseOutputName('ingestion/raw_orders', 'sales');
    const derived = parseOutputName('sales/preprocessing/training_data@parquet');

    // Assess
    expect(full).toEqual({ pipeline: 'sales', step: 'preprocessing', output: 'training_data' });
    expect(relative).toEqual({ pipeline: 'sales', step: 'ingestion', output: 'raw_orders' });
    expect(formatOutputName(derived)).toBe('sales/preprocessing/training_data@parquet');
  });

  it.each([
    ['step/output without a pipeline to resolve it in', 'ingestion/raw_orders', undefined],
    ['one segment', 'sales', 'sales'],
    ['four segments', 'a/b/c/d', undefined],
    ['a path traversal', '../etc/passwd', undefined],
    ['an empty segment', 'sales//x', undefined],
    ['a key separator character', 'sales/pre#processing/x', undefined],
  ])('rejects %s with the accepted forms', (_case, text, pipeline) => {
    // Act
    const act = () => parseOutputName(text, pipeline);

    // Assess
    expect(act).toThrow(OutputNameError);
    expect(act).toThrow(/is not a logical output name; write pipeline\/step\/output/);
  });

  it('tells logical names from URIs and paths', () => {
    // Act
    const verdicts = ['sales/preprocessing/training_data', 's3://b/k/x', './a/b', 'a/b', '/a/b/c'].map(
      isOutputName,
    );

    // Assess
    expect(verdicts).toEqual([true, false, false, false, false]);
  });
});
