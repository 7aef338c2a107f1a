/**
 * Convert's input, by its `mode` (`object` when absent): one object in one pass, or one of the
 * three steps of a large object's conversion range by range (decision 0012): the plan over the
 * validation's ranges, one range in a map child, and the assembly of the parts. A malformed input
 * means the state machine and the handler disagree, which no retry fixes: an InvalidInputError
 * naming the field.
 */
import { InvalidInputError } from '../core/errors';
import type { InspectResult, ObjectRef, RegisteredOutput } from '../core/workflow';

/**
 * A conversion manifest item (core/workflow/convert-ranges.ts ConversionItem, which the workflow
 * index does not carry: its module loads Arrow and Parquet). Only the fields checked here are
 * named; the range is passed on as planned.
 */
export interface ConversionItemInput {
  readonly Key: string;
  readonly Size: number;
  readonly Etag: string;
  readonly Range: { readonly kind: string; readonly index: number };
  readonly FirstRow: number;
}
import { requireField, requireObjectRef, requireOutput } from './step-input';

export type ConvertRequest =
  | {
      readonly mode: 'object';
      readonly object: ObjectRef;
      readonly output: RegisteredOutput;
      readonly inspection: InspectResult;
    }
  | {
      readonly mode: 'plan-ranges';
      readonly object: ObjectRef;
      readonly output: RegisteredOutput;
      readonly manifest: { readonly key: string };
    }
  | {
      readonly mode: 'assemble-ranges';
      readonly object: ObjectRef;
      readonly output: RegisteredOutput;
      readonly manifest: { readonly key: string };
    }
  | {
      readonly mode: 'range';
      readonly object: ObjectRef;
      readonly output: RegisteredOutput;
      readonly part: ConversionItemInput;
    };

const MODES = ['object', 'plan-ranges', 'range', 'assemble-ranges'] as const;

function isWhole(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** A conversion manifest item as planRangeConversion wrote it: the range and the row it starts at. */
function requireConversionItem(event: unknown): ConversionItemInput {
  const part = requireField<Partial<ConversionItemInput>>(event, 'part', 'object');
  if (typeof part.Key !== 'string' || typeof part.Etag !== 'string' || !isWhole(part.Size))
    throw new InvalidInputError(
      `part must name the object's Key, Etag and Size; got ${JSON.stringify({ Key: part.Key, Etag: part.Etag, Size: part.Size })}`,
    );
  const range = part.Range as { index?: unknown; kind?: unknown } | undefined;
  if (typeof range !== 'object' || range === null || !isWhole(range.index) || typeof range.kind !== 'string')
    throw new InvalidInputError(
      `part.Range must be an object with a whole index and a kind; got ${JSON.stringify(part.Range)}`,
    );
  if (!isWhole(part.FirstRow))
    throw new InvalidInputError(`part.FirstRow must be a whole number; got ${JSON.stringify(part.FirstRow)}`);
  return part as ConversionItemInput;
}

function requireManifest(event: unknown): { key: string } {
  const manifest = requireField<{ key?: unknown }>(event, 'manifest', 'object');
  if (typeof manifest.key !== 'string' || manifest.key === '')
    throw new InvalidInputError(
      `manifest.key must be a non-empty string; got ${JSON.stringify(manifest.key)}`,
    );
  return { key: manifest.key };
}

export function requireConvertRequest(event: unknown): ConvertRequest {
  const mode = (event as { mode?: unknown } | null)?.mode ?? 'object';
  if (!MODES.includes(mode as (typeof MODES)[number]))
    throw new InvalidInputError(`mode must be ${MODES.join(', ')}; not ${JSON.stringify(mode)}`);
  const object = requireObjectRef(event);
  const output = requireOutput(event);
  if (mode === 'range') return { mode, object, output, part: requireConversionItem(event) };
  if (mode === 'plan-ranges') return { mode, object, output, manifest: requireManifest(event) };
  if (mode === 'assemble-ranges') return { mode, object, output, manifest: requireManifest(event) };
  return {
    mode: 'object',
    object,
    output,
    inspection: requireField<InspectResult>(event, 'inspection', 'object'),
  };
}
