/**
 * Register step: resolves an arriving key to the contract that claims it, records its lineage from
 * the contract's declared inputs, and writes the registry entry for this object version, once.
 * Keys no contract claims are recorded as `untracked`, so every arrival under a watched prefix
 * leaves a trace.
 *
 * The conditional put of the entry is the step's last write. A retried Register (after a throttled
 * lineage query, say) must not find its own entry and mistake itself for a duplicate delivery, which
 * would end the execution as AlreadyRegistered with the version never tested; lineage edges are
 * idempotent and can be written any number of times before it.
 */
import type { ContractCatalog } from '../contracts/contract-catalog';
import { compilePathTemplate, matchOutputKey, type KeyMatch } from '../contracts/match-output-key';
import type { OutputContract } from '../contracts/output-contract';
import { canaryContractKey } from '../canary/canary-prefix';
import { ContractError } from '../errors';
import { linkDeclaredInputs, linkWaitingConsumers, type LinkTarget } from '../lineage/link-declared-inputs';
import type { LineageStore } from '../lineage/lineage-store';
import type { OutputRegistry, RegistryEntry } from '../registry/output-registry';
import { outputIndexKey, runIndexKey, runSortKey } from '../registry/output-registry';
import { versionToken } from './artifact-keys';
import type {
  ObjectRef,
  RegisterDatasetResult,
  RegisterInput,
  RegisterResult,
  RegisteredOutput,
} from './workflow-types';

export interface RegisterDeps {
  readonly catalog: ContractCatalog;
  readonly registry: OutputRegistry;
  /** Where lineage edges go (in the deployed stack, the registry table's own). */
  readonly lineage: LineageStore;
  readonly now: () => Date;
}

/** Placeholder names that identify a pipeline run in path templates. */
const RUN_VARIABLES = ['run_id', 'run', 'execution_id'];

export async function registerOutput(input: RegisterInput, deps: RegisterDeps): Promise<RegisterResult> {
  const { object } = input;
  const snapshot = await deps.catalog.snapshot();
  const contracts = snapshot.entries.map((e) => e.contract);
  // A canary output sits under the canary prefix at its contract's own path.
  const canaryKey = canaryContractKey(object.key);
  const match = matchOutputKey(contracts, canaryKey ?? object.key);
  const base = baseEntry(object, input.execution, deps.now().toISOString());

  if (!match) {
    // A contract meant to claim this key but cannot be loaded: the output is not tested, which is a
    // failure to record and alert on (ContractError → RecordError), not an untracked arrival.
    const claimant = snapshot.broken.find((b) => b.path !== undefined && claims(b.path, object.key));
    if (claimant) {
      throw new ContractError(
        `${claimant.key} claims this key but cannot be loaded, so the output was not tested: ${claimant.error}`,
      );
    }
    const note =
      snapshot.broken.length > 0
        ? `no valid contract claims this key; contract files that failed to load: ${snapshot.broken.map((b) => `${b.key} (${b.error})`).join('; ')}`
        : 'no contract claims this key';
    const { created } = await deps.registry.register({ ...base, status: 'untracked', note });
    return { tracked: false, duplicate: !created, partOfDataset: false, output: null };
  }

  // A part of a partitioned output is tested with the others when the folder's marker arrives.
  if (match.contract.partitioned)
    return { tracked: true, duplicate: false, partOfDataset: true, output: null };
  if (canaryKey !== undefined) {
    const { created, output } = await registerCanary(object, match, snapshot.entries, base, deps);
    return { tracked: true, duplicate: !created, partOfDataset: false, output };
  }
  const { created, output } = await registerMatched(object, match, snapshot.entries, base, deps);
  return { tracked: true, duplicate: !created, partOfDataset: false, output };
}

/** The marker Spark, Glue and Hadoop committers write when every part of a folder is in place. */
export const COMPLETION_MARKER = '_SUCCESS';

/**
 * Register for a completion marker: resolves the marker's folder to the partitioned contract that
 * claims it and registers the folder as one output version. The version is the marker's (its
 * version id, or on an unversioned bucket the event's sequencer, which every duplicate delivery of
 * the event repeats: every marker has the same empty-object ETag, and a rerun that rewrites the
 * folder writes a new marker with a new sequencer). A marker no partitioned contract
 * claims is not an output and is not recorded.
 */
export async function registerDataset(
  input: RegisterInput,
  deps: RegisterDeps,
): Promise<RegisterDatasetResult> {
  const marker = input.object;
  const ignored: RegisterDatasetResult = { tracked: false, duplicate: false, output: null, dataset: null };
  if (!marker.key.endsWith(`/${COMPLETION_MARKER}`)) return ignored;
  const folder = marker.key.slice(0, -COMPLETION_MARKER.length);
  const snapshot = await deps.catalog.snapshot();
  const match = matchOutputKey(
    snapshot.entries.map((e) => e.contract),
    marker.key,
  );
  if (!match?.contract.partitioned || !claimsFolder(match.contract, folder)) return ignored;
  const uri = `s3://${marker.bucket}/${folder}`;
  const dataset: ObjectRef = {
    ...marker,
    key: folder,
    uri,
    pk: `OBJ#${uri}`,
    sk: marker.versionId ? marker.sk : `VER#marker-${marker.sequencer ?? marker.eventTime}`,
    versionId: null,
    size: 0,
  };
  const base = {
    ...baseEntry(dataset, input.execution, deps.now().toISOString()),
    partitioned: true,
    marker: marker.uri,
  };
  const { created, output } = await registerMatched(dataset, match, snapshot.entries, base, deps);
  return { tracked: true, duplicate: !created, output, dataset };
}

/** The marker sits in the folder the template names, not in a subfolder of it. */
function claimsFolder(contract: OutputContract, folder: string): boolean {
  return compilePathTemplate(contract.path.replace(/\/$/, ''))(folder.replace(/\/$/, '')) !== undefined;
}

async function registerMatched(
  object: ObjectRef,
  match: KeyMatch,
  entries: readonly { readonly key: string; readonly contract: OutputContract }[],
  base: Omit<RegistryEntry, 'status'>,
  deps: RegisterDeps,
): Promise<{ created: boolean; output: RegisteredOutput }> {
  const contracts = entries.map((e) => e.contract);
  const { contract } = match;
  const registeredAt = base.registeredAt;
  const contractKey = entries.find((e) => e.contract === contract)!.key;
  const runVar = RUN_VARIABLES.find((v) => match.variables[v] !== undefined);
  const runId = runVar ? match.variables[runVar]! : null;
  const entry: RegistryEntry = {
    ...base,
    status: 'pending',
    pipeline: contract.pipeline,
    step: contract.step,
    output: contract.output,
    format: contract.format,
    contractKey,
    ...(runId !== null
      ? {
          runId,
          gsi2pk: runIndexKey(contract.pipeline, runId),
          gsi2sk: runSortKey(contract.step, contract.output, object.uri, object.sk),
        }
      : {}),
    ...(contract.jobType ? { jobType: contract.jobType } : {}),
    gsi1pk: outputIndexKey(contract.pipeline, contract.step, contract.output),
    gsi1sk: `${registeredAt}#${object.uri}#${object.sk}`,
  };

  const target: LinkTarget = {
    uri: object.uri,
    versionToken: versionToken(object),
    output: { pipeline: contract.pipeline, step: contract.step, output: contract.output },
    runId,
    dataType: 'pipeline',
    jobType: contract.jobType ?? null,
  };
  const linkDeps = {
    registry: deps.registry,
    lineage: deps.lineage,
    now: deps.now,
  };
  await linkDeclaredInputs(target, contract.inputs, linkDeps);
  await linkWaitingConsumers(target, contracts, linkDeps);

  const { created } = await deps.registry.register(entry);
  const output: RegisteredOutput = {
    pipeline: contract.pipeline,
    step: contract.step,
    output: contract.output,
    runId,
    contractKey,
    format: contract.format,
    convertTo: contract.convertTo ?? null,
    jobType: contract.jobType ?? null,
    // Gated outputs only: the state machine routes a passing version to Publish when it is present.
    ...(contract.publish ? { publishTo: contract.publish.to } : {}),
  };
  return { created, output };
}

/**
 * A canary output: tested like the pipeline's, but registered as `canary` with no output or run
 * index keys (never a latest version, in no listing of the pipeline), no lineage edges (it feeds
 * and comes from nothing) and no conversion (the canary checks the verdicts of validation).
 */
async function registerCanary(
  _object: ObjectRef,
  match: KeyMatch,
  entries: readonly { readonly key: string; readonly contract: OutputContract }[],
  base: Omit<RegistryEntry, 'status'>,
  deps: RegisterDeps,
): Promise<{ created: boolean; output: RegisteredOutput }> {
  const { contract } = match;
  const contractKey = entries.find((e) => e.contract === contract)!.key;
  const runVar = RUN_VARIABLES.find((v) => match.variables[v] !== undefined);
  const runId = runVar ? match.variables[runVar]! : null;
  const { created } = await deps.registry.register({
    ...base,
    dataType: 'canary',
    status: 'pending',
    pipeline: contract.pipeline,
    step: contract.step,
    output: contract.output,
    format: contract.format,
    contractKey,
    ...(runId !== null ? { runId } : {}),
    ...(contract.jobType ? { jobType: contract.jobType } : {}),
    note: 'synthetic canary output',
  });
  return {
    created,
    output: {
      pipeline: contract.pipeline,
      step: contract.step,
      output: contract.output,
      runId,
      contractKey,
      format: contract.format,
      convertTo: null,
      jobType: contract.jobType ?? null,
    },
  };
}

/** The registry fields every entry of an object version has, whatever its status. */
function baseEntry(object: ObjectRef, execution: string | undefined, registeredAt: string) {
  return {
    pk: object.pk,
    sk: object.sk,
    uri: object.uri,
    bucket: object.bucket,
    key: object.key,
    versionId: object.versionId,
    etag: object.etag,
    size: object.size,
    dataType: 'pipeline' as const,
    registeredAt,
    eventTime: object.eventTime,
    // The writer token: a retry of this execution's Register finds its own entry.
    ...(execution ? { registeredBy: execution } : {}),
  };
}

/** Whether a path template (possibly from a file that failed to load) claims `key`. */
function claims(template: string, key: string): boolean {
  try {
    return compilePathTemplate(template)(key) !== undefined;
  } catch {
    return false; // a template too broken to compile claims nothing
  }
}
