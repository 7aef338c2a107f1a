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
import { matchOutputKey } from '../contracts/match-output-key';
import { linkDeclaredInputs, linkWaitingConsumers, type LinkTarget } from '../lineage/link-declared-inputs';
import type { LineageStore } from '../lineage/lineage-store';
import type { OutputRegistry, RegistryEntry } from '../registry/output-registry';
import { outputIndexKey, runIndexKey, runSortKey } from '../registry/output-registry';
import { versionToken } from './artifact-keys';
import type { RegisterInput, RegisterResult, RegisteredOutput } from './workflow-types';

export interface RegisterDeps {
  readonly catalog: ContractCatalog;
  readonly registry: OutputRegistry;
  /** Where lineage edges go; by default the registry table's own (registry.lineageStore()). */
  readonly lineage?: LineageStore;
  readonly now: () => Date;
}

/** Placeholder names that identify a pipeline run in path templates. */
const RUN_VARIABLES = ['run_id', 'run', 'execution_id'];

export async function registerOutput(input: RegisterInput, deps: RegisterDeps): Promise<RegisterResult> {
  const { object } = input;
  const snapshot = await deps.catalog.snapshot();
  const contracts = snapshot.entries.map((e) => e.contract);
  const match = matchOutputKey(contracts, object.key);
  const registeredAt = deps.now().toISOString();
  const base = {
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
  };

  if (!match) {
    const note =
      snapshot.broken.length > 0
        ? `no valid contract claims this key; contract files that failed to load: ${snapshot.broken.map((b) => `${b.key} (${b.error})`).join('; ')}`
        : 'no contract claims this key';
    const { created } = await deps.registry.register({ ...base, status: 'untracked', note });
    return { tracked: false, duplicate: !created, output: null };
  }

  const { contract } = match;
  const contractKey = snapshot.entries.find((e) => e.contract === contract)!.key;
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
    lineage: deps.lineage ?? deps.registry.lineageStore(),
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
  };
  return { tracked: true, duplicate: !created, output };
}
