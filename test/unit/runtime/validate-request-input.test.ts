/**
 * The Validate function's input as the state machine's plan and merge states pass it: the object
 * branch's settings ask for ranges of one object, the folder branch's ask for none.
 */
import { describe, expect, it } from 'vitest';

import { InvalidInputError } from '../../../lambdas/core/errors';
import { requireValidateRequest } from '../../../lambdas/runtime/step-input';
import { objectRef } from '../../fixtures/step-events';

const OBJECT = objectRef({ key: 'pipelines/sales/r1/export/big_orders/orders.csv', etag: 'abc', size: 9000 });
const OUTPUT = {
  pipeline: 'sales',
  step: 'export',
  output: 'big_orders',
  runId: 'r1',
  contractKey: 'contracts/sales-export-big_orders.yaml',
  format: 'csv',
  convertTo: null,
  jobType: null,
};

describe('requireValidateRequest, plan and merge modes', () => {
  it('asks for ranges when the settings say so, with the size of a range', () => {
    // Act
    const request = requireValidateRequest({
      mode: 'plan',
      object: OBJECT,
      output: OUTPUT,
      partitions: { maxConcurrency: 10, toleratedFailurePercentage: 0, splitAboveBytes: 4096, ranges: true },
      execution: 'arn:x:execution:m:e1',
    });

    // Assess
    expect(request).toEqual({
      mode: 'plan',
      input: {
        dataset: OBJECT,
        execution: 'arn:x:execution:m:e1',
        split: { output: OUTPUT, splitAboveBytes: 4096 },
      },
    });
  });

  it("plans a folder's parts when the settings are the partitioned branch's", () => {
    // Act
    const request = requireValidateRequest({
      mode: 'plan',
      object: OBJECT,
      output: OUTPUT,
      partitions: { maxConcurrency: 10, toleratedFailurePercentage: 0 },
    });

    // Assess
    expect(request).toEqual({ mode: 'plan', input: { dataset: OBJECT } });
  });

  it('refuses ranges without a whole positive size', () => {
    // Act
    const act = () =>
      requireValidateRequest({
        mode: 'plan',
        object: OBJECT,
        output: OUTPUT,
        partitions: { ranges: true, splitAboveBytes: '4096' },
      });

    // Assess
    expect(act).toThrow(InvalidInputError);
    expect(act).toThrow(/partitions.splitAboveBytes must be a positive whole number/);
  });

  it("keeps the manifest's kind for the merge", () => {
    // Act
    const request = requireValidateRequest({
      mode: 'merge',
      object: OBJECT,
      output: OUTPUT,
      toleratedFailurePercentage: 0,
      manifest: { bucket: 'b', key: 'manifests/x.json', parts: 3, kind: 'ranges' },
    });

    // Assess
    expect(request).toMatchObject({
      mode: 'merge',
      input: { manifest: { key: 'manifests/x.json', kind: 'ranges' } },
    });
  });
});

describe('requireValidateRequest, ended mode', () => {
  it("takes the RecordErrorResults state's payload: the version, the recorded status and the caught error", () => {
    // Act
    const request = requireValidateRequest({
      mode: 'ended',
      object: OBJECT,
      output: OUTPUT,
      status: 'error',
      error: { Error: 'States.Timeout', Cause: 'Task timed out' },
      endedAt: '2026-12-07T10:00:00.000Z',
      execution: 'arn:x:execution:m:e1',
    });

    // Assess
    expect(request).toEqual({
      mode: 'ended',
      input: {
        object: OBJECT,
        output: OUTPUT,
        status: 'error',
        error: { name: 'States.Timeout', cause: 'Task timed out' },
        endedAt: '2026-12-07T10:00:00.000Z',
      },
    });
  });

  it.each([
    ['a status the registry was not given', { status: 'passed' }, /status must be error or failed/],
    ['an error without its name', { error: { Cause: 'x' } }, /error.Error must be a non-empty string/],
    ['a cause that is not text', { error: { Error: 'X', Cause: 3 } }, /error.Cause must be a string/],
    ['an end time that is none', { endedAt: 'soon' }, /endedAt must be an ISO time/],
  ])('refuses %s', (_what, change, message) => {
    // Arrange
    const event = {
      mode: 'ended',
      object: OBJECT,
      output: OUTPUT,
      status: 'error',
      error: { Error: 'X', Cause: 'y' },
      endedAt: '2026-12-07T10:00:00.000Z',
      ...change,
    };

    // Act
    const parse = () => requireValidateRequest(event);

    // Assess
    expect(parse).toThrow(InvalidInputError);
    expect(parse).toThrow(message);
  });
});
