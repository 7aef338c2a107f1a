/**
 * The canary function's two steps, as the synthetic-canary state machine calls them:
 * - `plan`: the cases of this run from the deployed contracts (canary-plan.ts), covering the
 *   outputs the execution's input names (`contracts`, from the environment's config) or all;
 * - `check`: one poll of the registry for every generated output; when all are settled, or this
 *   was the last poll allowed, the verdict (canary-verdict.ts). The state machine loops on `done`.
 * The event is checked field by field: a malformed one is an InvalidInputError naming the field.
 */
import type { ContractCatalog } from '../contracts/contract-catalog';
import { InvalidInputError } from '../errors';
import type { OutputRegistry } from '../registry/output-registry';
import {
  MAX_CANARY_ROWS,
  planCanary,
  type CanaryCase,
  type CanaryPlan,
  type UncoveredRule,
} from './canary-plan';
import {
  canarySettled,
  compareCanary,
  observeCanary,
  type CanaryObservation,
  type CanaryVerdict,
  type GeneratedCase,
} from './canary-verdict';

export interface CanaryStepDeps {
  readonly catalog: ContractCatalog;
  readonly registry: Pick<OutputRegistry, 'find'>;
}

export interface CanaryCheck {
  readonly polls: number;
  readonly done: boolean;
  readonly observations: readonly CanaryObservation[];
  /** Null until done (the state machine reads the field on every poll). */
  readonly verdict: CanaryVerdict | null;
  /** The objects to remove once done: every generated output, as bucket and key. */
  readonly cleanup: readonly { readonly bucket: string; readonly key: string }[];
}

/** Largest number of polls a run may ask for (the state machine's own bound is lower). */
const MAX_POLLS = 1_000;

function record(event: unknown): Record<string, unknown> {
  if (typeof event !== 'object' || event === null || Array.isArray(event))
    throw new InvalidInputError('the event must be an object');
  return event as Record<string, unknown>;
}

function list(e: Record<string, unknown>, field: string): unknown[] {
  const v = e[field];
  if (!Array.isArray(v)) throw new InvalidInputError(`${field} must be a list`);
  return v;
}

function whole(e: Record<string, unknown>, field: string, min: number, max: number): number {
  const v = e[field];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max)
    throw new InvalidInputError(
      `${field} must be a whole number in ${min}..${max}; got ${JSON.stringify(v)}`,
    );
  return v;
}

/** A run id from the execution name: the characters a key and a run placeholder can hold. */
export function canaryRunId(executionName: string): string {
  const cleaned = executionName.replace(/[^A-Za-z0-9_-]/g, '').slice(-40);
  if (cleaned === '')
    throw new InvalidInputError(`execution name '${executionName}' has no usable characters`);
  return `canary-${cleaned}`;
}

/** The generate function's result for one case: exactly one object. */
function generatedOf(value: unknown, index: number): GeneratedCase {
  const objects = record(value)['objects'];
  if (!Array.isArray(objects) || objects.length !== 1)
    throw new InvalidInputError(`generated[${index}] must hold exactly one object`);
  const o = record(objects[0]);
  if (typeof o['uri'] !== 'string')
    throw new InvalidInputError(`generated[${index}].objects[0].uri must be a string`);
  const versionId = o['versionId'];
  return { uri: o['uri'], versionId: typeof versionId === 'string' ? versionId : null };
}

function bucketAndKey(uri: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!m) throw new InvalidInputError(`generated object '${uri}' is not an s3:// URI`);
  return { bucket: m[1]!, key: m[2]! };
}

export async function runCanaryStep(event: unknown, deps: CanaryStepDeps): Promise<CanaryPlan | CanaryCheck> {
  const e = record(event);
  if (e['action'] === 'plan') {
    if (typeof e['execution'] !== 'string') throw new InvalidInputError('execution must be a string');
    // The execution's input: the environment's canary settings, or nothing (every contract).
    const request = e['request'] === undefined || e['request'] === null ? {} : record(e['request']);
    const contracts = request['contracts'] ?? undefined;
    if (
      contracts !== undefined &&
      (!Array.isArray(contracts) || contracts.some((c) => typeof c !== 'string'))
    )
      throw new InvalidInputError('contracts must be a list of pipeline/step/output names');
    const rows =
      request['rows'] === undefined || request['rows'] === null
        ? undefined
        : whole(request, 'rows', 1, MAX_CANARY_ROWS);
    const snapshot = await deps.catalog.snapshot();
    return planCanary(
      snapshot.entries.map((x) => x.contract),
      {
        runId: canaryRunId(e['execution']),
        ...(contracts !== undefined ? { contracts: contracts as string[] } : {}),
        ...(rows !== undefined ? { rows } : {}),
      },
    );
  }
  if (e['action'] === 'check') {
    if (typeof e['runId'] !== 'string') throw new InvalidInputError('runId must be a string');
    // The plan's own output, passed back by the state machine unchanged.
    const cases = list(e, 'cases') as CanaryCase[];
    const uncovered = list(e, 'uncovered') as UncoveredRule[];
    const generated = list(e, 'generated').map(generatedOf);
    const maxPolls = whole(e, 'maxPolls', 1, MAX_POLLS);
    const polls = whole(e, 'polls', 0, MAX_POLLS) + 1;
    const observations = await observeCanary(cases, generated, deps.registry);
    const done = canarySettled(observations) || polls >= maxPolls;
    return {
      polls,
      done,
      observations,
      verdict: done ? compareCanary(e['runId'], cases, observations, uncovered) : null,
      cleanup: done ? generated.map((g) => bucketAndKey(g.uri)) : [],
    };
  }
  throw new InvalidInputError(`action must be plan or check; got ${JSON.stringify(e['action'])}`);
}
