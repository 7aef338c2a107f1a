/**
 * Lineage step: links this object version to the registered versions of the inputs its contract
 * declares (same pipeline run first, else the newest), and to its converted copy, which is
 * registered as a derived output. Inputs not registered yet are reported, not invented.
 */
import type { ContractCatalog } from '../contracts/contract-catalog';
import { lineageNode, type LineageStore } from '../lineage/lineage-store';
import { objectPk, outputIndexKey, versionSk, type OutputRegistry } from '../registry/output-registry';
import { parseS3Uri } from '../storage/object-store';
import { versionToken } from './artifact-keys';
import type { LineageInput } from './workflow-types';

export interface LineageDeps {
  readonly catalog: ContractCatalog;
  readonly registry: OutputRegistry;
  readonly lineage: LineageStore;
  readonly now: () => Date;
}

export interface LineageStepResult {
  readonly edges: number;
  readonly unresolvedInputs: readonly string[];
}

export async function recordLineage(input: LineageInput, deps: LineageDeps): Promise<LineageStepResult> {
  const { object, output, conversion } = input;
  const contract = await deps.catalog.get(output.contractKey);
  const here = lineageNode(object.uri, versionToken(object));
  const toOutput = `${output.pipeline}/${output.step}/${output.output}`;
  const recordedAt = deps.now().toISOString();
  let edges = 0;
  const unresolved: string[] = [];

  for (const name of contract.inputs) {
    const parts = name.split('/');
    const [pipeline, step, out] = parts.length === 3 ? parts : [output.pipeline, ...parts];
    const upstream = await deps.registry.latest(pipeline!, step!, out!, output.runId ?? undefined);
    if (!upstream) {
      unresolved.push(`${pipeline}/${step}/${out}`);
      continue;
    }
    await deps.lineage.record({
      from: lineageNode(upstream.uri, upstream.sk.replace(/^VER#/, '')),
      to: here,
      kind: 'declared-input',
      fromOutput: `${pipeline}/${step}/${out}`,
      toOutput,
      recordedAt,
    });
    edges++;
  }

  if (conversion.converted) {
    const { bucket, key } = parseS3Uri(conversion.uri);
    const sk = versionSk(conversion.versionId, conversion.etag);
    const derivedName = `${output.output}@${conversion.format}`;
    await deps.registry.register({
      pk: objectPk(conversion.uri),
      sk,
      uri: conversion.uri,
      bucket,
      key,
      versionId: conversion.versionId,
      etag: conversion.etag,
      size: conversion.size,
      status: 'passed',
      dataType: 'converted',
      registeredAt: recordedAt,
      eventTime: recordedAt,
      pipeline: output.pipeline,
      step: output.step,
      output: derivedName,
      format: conversion.format,
      contractKey: output.contractKey,
      note: `converted from ${object.uri} (${conversion.rowsOut} rows, checksums equal)`,
      gsi1pk: outputIndexKey(output.pipeline, output.step, derivedName),
      gsi1sk: `${recordedAt}#${conversion.uri}#${sk}`,
      ...(output.runId ? { runId: output.runId } : {}),
    });
    await deps.lineage.record({
      from: here,
      to: lineageNode(conversion.uri, sk.replace(/^VER#/, '')),
      kind: 'conversion',
      fromOutput: toOutput,
      toOutput: `${output.pipeline}/${output.step}/${derivedName}`,
      recordedAt,
    });
    edges++;
  }
  return { edges, unresolvedInputs: unresolved };
}
