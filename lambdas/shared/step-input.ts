/**
 * Checks the shape of a state's input before the core sees it. A malformed input means the state
 * machine and the handler disagree, which no retry fixes: it is an InvalidInputError naming the field.
 */
import { InvalidInputError } from '../core/errors';
import type { ObjectRef, RegisteredOutput } from '../core/workflow/workflow-types';

type Shape = Record<string, 'string' | 'number' | 'object' | 'string|null' | 'object|null' | 'boolean'>;

const OBJECT_REF: Shape = {
  bucket: 'string',
  key: 'string',
  etag: 'string',
  size: 'number',
  versionId: 'string|null',
  eventTime: 'string',
  eventId: 'string',
  uri: 'string',
  pk: 'string',
  sk: 'string',
};
const OUTPUT: Shape = {
  pipeline: 'string',
  step: 'string',
  output: 'string',
  runId: 'string|null',
  contractKey: 'string',
  format: 'string',
  convertTo: 'string|null',
  jobType: 'string|null',
};

function check(value: unknown, shape: Shape, where: string): void {
  if (typeof value !== 'object' || value === null) throw new InvalidInputError(`${where} must be an object`);
  const rec = value as Record<string, unknown>;
  for (const [field, type] of Object.entries(shape)) {
    const v = rec[field];
    const ok = type.split('|').some((t) => (t === 'null' ? v === null : typeof v === t && v !== null));
    if (!ok) throw new InvalidInputError(`${where}.${field} must be ${type}; got ${JSON.stringify(v)}`);
  }
}

export function requireObjectRef(event: unknown): ObjectRef {
  const object = (event as { object?: unknown } | null)?.object;
  check(object, OBJECT_REF, 'object');
  return object as ObjectRef;
}

export function requireOutput(event: unknown): RegisteredOutput {
  const output = (event as { output?: unknown } | null)?.output;
  check(output, OUTPUT, 'output');
  return output as RegisteredOutput;
}

export function requireField<T>(event: unknown, field: string, type: 'object' | 'object|null'): T {
  const v = (event as Record<string, unknown> | null)?.[field];
  if (!(typeof v === 'object' && (v !== null || type === 'object|null'))) {
    throw new InvalidInputError(`${field} must be ${type}; got ${JSON.stringify(v)}`);
  }
  return v as T;
}
