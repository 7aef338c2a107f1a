/**
 * What the download function is asked, in the prepare-inputs workflow's two states:
 * - `plan`: the workflow's input (`{ step, runId?, version?, sample?, mask?, format?, target? }`), answered
 *   with the step's declared inputs and the options, every one present (null when not given), so
 *   the state machine's paths never point at a missing field;
 * - `stage`: one input of that plan, staged by stageOutput.
 * A malformed request is an InvalidInputError naming the field: no retry fixes it.
 */
import { DATA_FORMATS, type DataFormat, type OutputContract } from '../contracts/output-contract';
import { ContractError, InvalidInputError } from '../errors';
import { formatOutputName, parseOutputName } from '../registry/output-name';
import { declaredInputs } from './prepare-inputs';
import { checkSample, type SampleSpec } from './stage-table';
import { TARGET_NAME } from './staging-target';

/** Inputs one step may declare for one staging (a Map item each; Step Functions' payload bounds it). */
export const MAX_STAGED_INPUTS = 100;

export interface StagingOptions {
  readonly runId: string | null;
  readonly sample: SampleSpec | null;
  /** Default true: a personal column leaves only masked unless the caller says otherwise. */
  readonly mask: boolean;
  readonly format: DataFormat | null;
  /** Another environment to stage into (a name in staging.targets); null: this environment's bucket. */
  readonly target: string | null;
}

export interface StagingPlan extends StagingOptions {
  readonly step: string;
  readonly stagingId: string;
  /** Each input, with its pinned version (a version id or `etag:<etag>`) or null. */
  readonly inputs: readonly { readonly output: string; readonly version: string | null }[];
}

export type StagingRequest =
  | {
      readonly mode: 'plan';
      readonly step: string;
      readonly stagingId: string;
      /** Pinned versions by input (`step/output` or `pipeline/step/output`). */
      readonly pins: Readonly<Record<string, string>>;
      readonly options: StagingOptions;
    }
  | {
      readonly mode: 'stage';
      readonly output: string;
      readonly version: string | null;
      readonly stagingId: string;
      readonly forStep: string | null;
      readonly options: StagingOptions;
    };

function field(event: Record<string, unknown>, name: string, type: 'string' | 'boolean' | 'object'): unknown {
  const v = event[name];
  if (v === undefined || v === null) return null;
  if (typeof v !== type) throw new InvalidInputError(`${name} must be a ${type}; got ${JSON.stringify(v)}`);
  return v;
}

function required(event: Record<string, unknown>, name: string): string {
  const v = field(event, name, 'string');
  if (typeof v !== 'string' || v === '') throw new InvalidInputError(`${name} is required`);
  return v;
}

function optionsOf(event: Record<string, unknown>): StagingOptions {
  const format = field(event, 'format', 'string');
  if (format !== null && !(DATA_FORMATS as readonly string[]).includes(format as string))
    throw new InvalidInputError(
      `format must be one of ${DATA_FORMATS.join(', ')}; got ${JSON.stringify(format)}`,
    );
  const sample = field(event, 'sample', 'object') as SampleSpec | null;
  if (sample !== null) {
    try {
      checkSample(sample);
    } catch (error) {
      throw new InvalidInputError((error as Error).message);
    }
  }
  const mask = field(event, 'mask', 'boolean');
  const target = field(event, 'target', 'string') as string | null;
  if (target !== null && !TARGET_NAME.test(target))
    throw new InvalidInputError(`target must be an environment name; got ${JSON.stringify(target)}`);
  return {
    runId: field(event, 'runId', 'string') as string | null,
    sample,
    mask: mask === null ? true : (mask as boolean),
    format: format as DataFormat | null,
    target,
  };
}

export function parseStagingRequest(event: unknown): StagingRequest {
  if (typeof event !== 'object' || event === null)
    throw new InvalidInputError('the request must be an object');
  const e = event as Record<string, unknown>;
  if (e['mode'] === 'plan') {
    const request = e['request'];
    if (typeof request !== 'object' || request === null)
      throw new InvalidInputError('request must be the workflow input, an object');
    const input = request as Record<string, unknown>;
    const pins = (field(input, 'pins', 'object') ?? {}) as Record<string, unknown>;
    for (const [name, version] of Object.entries(pins))
      if (typeof version !== 'string' || version === '')
        throw new InvalidInputError(`pins.${name} must be a version id or etag:<etag>`);
    return {
      mode: 'plan',
      step: required(input, 'step'),
      stagingId: required(e, 'stagingId'),
      pins: pins as Record<string, string>,
      options: optionsOf(input),
    };
  }
  if (e['mode'] === 'stage')
    return {
      mode: 'stage',
      output: required(e, 'output'),
      version: field(e, 'version', 'string') as string | null,
      stagingId: required(e, 'stagingId'),
      forStep: field(e, 'forStep', 'string') as string | null,
      options: optionsOf(e),
    };
  throw new InvalidInputError(`mode must be plan or stage, not ${JSON.stringify(e['mode'])}`);
}

/** The step's declared inputs, one Map item each; a step that declares none has nothing to stage. */
export function planStaging(
  contracts: readonly OutputContract[],
  request: Extract<StagingRequest, { mode: 'plan' }>,
): StagingPlan {
  const { pipeline, step, inputs } = declaredInputs(contracts, request.step);
  if (inputs.size === 0)
    throw new ContractError(
      `${pipeline}/${step} declares no inputs in its contracts; there is nothing to stage`,
    );
  if (inputs.size > MAX_STAGED_INPUTS)
    throw new ContractError(
      `${pipeline}/${step} declares ${inputs.size} inputs; one staging takes at most ${MAX_STAGED_INPUTS}`,
    );
  const pins = new Map(
    Object.entries(request.pins).map(([k, v]) => [formatOutputName(parseOutputName(k, pipeline)), v]),
  );
  for (const pinned of pins.keys())
    if (!inputs.has(pinned))
      throw new ContractError(
        `${pinned} is pinned but is not an input of ${pipeline}/${step} (inputs: ${[...inputs.keys()].join(', ')})`,
      );
  return {
    step: `${pipeline}/${step}`,
    stagingId: request.stagingId,
    ...request.options,
    inputs: [...inputs.keys()].map((output) => ({ output, version: pins.get(output) ?? null })),
  };
}
