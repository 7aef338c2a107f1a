/**
 * Checks the shape of a state's input before the core sees it. A malformed input means the state
 * machine and the handler disagree, which no retry fixes: it is an InvalidInputError naming the field.
 */
import { InvalidInputError } from '../core/errors';
import type {
  DeletionInput,
  EndedTestInput,
  RegisterRequest,
  ValidateRequest,
  PartItem,
  InspectResult,
  ObjectRef,
  RegisteredOutput,
} from '../core/workflow';

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

/**
 * Register's input: an S3 Object Deleted event (RecordDeletion state), a completion marker's folder
 * (RegisterDataset state, `marker: true`) or an arriving object (Register state).
 */
export function requireRegisterRequest(event: unknown): RegisterRequest {
  const deletion = deletionOf(event);
  if (deletion) return { kind: 'deletion', deletion };
  const input = { object: requireObjectRef(event), ...executionOf(event) };
  return (event as { marker?: unknown }).marker === true
    ? { kind: 'dataset', input }
    : { kind: 'object', input };
}

/** The S3 Object Deleted event's detail, as the RecordDeletion state passes it. */
function deletionOf(event: unknown): DeletionInput | undefined {
  const d = (event as { deletion?: { detail?: unknown; time?: unknown } } | null)?.deletion;
  if (!d) return undefined;
  const detail = d.detail as {
    bucket?: { name?: unknown };
    object?: { key?: unknown; 'version-id'?: unknown };
    'deletion-type'?: unknown;
  };
  const bucket = detail?.bucket?.name;
  const key = detail?.object?.key;
  if (typeof bucket !== 'string' || typeof key !== 'string')
    throw new TypeError('a deletion event needs detail.bucket.name and detail.object.key');
  const versionId = detail.object?.['version-id'];
  const deletionType = detail['deletion-type'];
  return {
    bucket,
    key,
    versionId: typeof versionId === 'string' && versionId.length > 0 ? versionId : null,
    deletionType: typeof deletionType === 'string' ? deletionType : 'Permanently Deleted',
    eventTime: typeof d.time === 'string' ? d.time : new Date().toISOString(),
  };
}

/** The execution id the state machine passes, as the entry's writer token. */
function executionOf(event: unknown): { execution?: string } {
  const execution = (event as { execution?: unknown } | null)?.execution;
  return typeof execution === 'string' && execution.length > 0 ? { execution } : {};
}

/** Validate's input, by its `mode` (object when absent): one object, one part, or the parts' merge. */
export function requireValidateRequest(event: unknown): ValidateRequest {
  const mode = (event as { mode?: unknown }).mode ?? 'object';
  if (mode === 'part') {
    const part = requireField<PartItem>(event, 'part', 'object');
    const dataset = requireField<ObjectRef>(event, 'dataset', 'object');
    return { mode, input: { part, dataset, output: requireOutput(event) } };
  }
  if (mode === 'merge') {
    const tolerated = (event as { toleratedFailurePercentage?: unknown }).toleratedFailurePercentage;
    const dataset = requireObjectRef(event);
    const output = requireOutput(event);
    const manifest = (event as { manifest?: { key?: unknown; kind?: unknown } | null }).manifest;
    const kind: { kind?: 'ranges' | 'parts' } =
      manifest?.kind === 'ranges' || manifest?.kind === 'parts' ? { kind: manifest.kind } : {};
    return {
      mode,
      input: {
        dataset,
        output,
        toleratedFailurePercentage: typeof tolerated === 'number' ? tolerated : 0,
        ...(typeof manifest?.key === 'string' ? { manifest: { key: manifest.key, ...kind } } : {}),
      },
    };
  }
  if (mode === 'plan') {
    const input = { dataset: requireObjectRef(event), ...executionOf(event) };
    // The object branch's settings ask for ranges of one object; the folder branch's ask for none.
    const settings = (event as { partitions?: { ranges?: unknown; splitAboveBytes?: unknown } | null })
      .partitions;
    if (settings?.ranges !== true) return { mode, input };
    const above = settings.splitAboveBytes;
    if (typeof above !== 'number' || !Number.isSafeInteger(above) || above < 1)
      throw new InvalidInputError(
        `partitions.splitAboveBytes must be a positive whole number, not ${JSON.stringify(above)}`,
      );
    return { mode, input: { ...input, split: { output: requireOutput(event), splitAboveBytes: above } } };
  }
  if (mode === 'ended') return { mode, input: endedTestOf(event) };
  if (mode !== 'object')
    throw new InvalidInputError(
      `mode must be object, part, plan, merge or ended, not ${JSON.stringify(mode)}`,
    );
  const object = requireObjectRef(event);
  const output = requireOutput(event);
  return {
    mode,
    input: { object, output, inspection: requireField<InspectResult>(event, 'inspection', 'object') },
  };
}

/**
 * The RecordErrorResults state's input: the version, the status RecordError wrote and the caught
 * error (Step Functions' `{ Error, Cause }`; a Cause may be absent, an Error never is).
 */
function endedTestOf(event: unknown): EndedTestInput {
  const e = event as {
    status?: unknown;
    error?: { Error?: unknown; Cause?: unknown } | null;
    endedAt?: unknown;
  };
  if (e.status !== 'error' && e.status !== 'failed')
    throw new InvalidInputError(`status must be error or failed; got ${JSON.stringify(e.status)}`);
  const name = e.error?.Error;
  if (typeof name !== 'string' || name === '')
    throw new InvalidInputError(`error.Error must be a non-empty string; got ${JSON.stringify(name)}`);
  const cause = e.error?.Cause;
  if (cause !== undefined && typeof cause !== 'string')
    throw new InvalidInputError(`error.Cause must be a string; got ${JSON.stringify(cause)}`);
  if (typeof e.endedAt !== 'string' || !Number.isFinite(Date.parse(e.endedAt)))
    throw new InvalidInputError(`endedAt must be an ISO time; got ${JSON.stringify(e.endedAt)}`);
  return {
    object: requireObjectRef(event),
    output: requireOutput(event),
    status: e.status,
    error: { name, cause: cause ?? '' },
    endedAt: e.endedAt,
  };
}
