/**
 * Lineage step: completes the declared-input edges registration recorded (inputs registered since
 * then are linked now; inputs already linked stay as they are), and registers the converted copy
 * as a derived output linked to its source. Inputs not registered yet are reported, not invented.
 * Everything here is idempotent: a retried or repeated step adds nothing.
 */
import type { ContractCatalog } from '../contracts/contract-catalog';
import { linkDeclaredInputs } from '../lineage/link-declared-inputs';
import { lineageNode, type LineageStore } from '../lineage/lineage-store';
import {
  objectPk,
  outputIndexKey,
  runIndexKey,
  runSortKey,
  versionSk,
  versionTokenOf,
  type OutputRegistry,
} from '../registry/output-registry';
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
  const name = { pipeline: output.pipeline, step: output.step, output: output.output };
  const toOutput = `${output.pipeline}/${output.step}/${output.output}`;
  const recordedAt = deps.now().toISOString();

  const declared = await linkDeclaredInputs(
    {
      uri: object.uri,
      versionToken: versionToken(object),
      output: name,
      runId: output.runId,
      dataType: 'pipeline',
      jobType: output.jobType,
    },
    contract.inputs,
    deps,
  );
  let edges = declared.edges;

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
      rowCount: conversion.rowsOut,
      gsi1pk: outputIndexKey(output.pipeline, output.step, derivedName),
      gsi1sk: `${recordedAt}#${conversion.uri}#${sk}`,
      ...(output.runId
        ? {
            runId: output.runId,
            gsi2pk: runIndexKey(output.pipeline, output.runId),
            gsi2sk: runSortKey(output.step, derivedName, conversion.uri, sk),
          }
        : {}),
    });
    await deps.lineage.record({
      from: here,
      to: lineageNode(conversion.uri, versionTokenOf({ sk })),
      kind: 'conversion',
      fromOutput: toOutput,
      toOutput: `${output.pipeline}/${output.step}/${derivedName}`,
      recordedAt,
      dataType: 'converted',
      // The copy is made by prt's convert function, not by the pipeline's job.
      jobType: 'prt-convert',
      ...(output.runId ? { runId: output.runId } : {}),
    });
    edges++;
  }
  return { edges, unresolvedInputs: declared.unresolvedInputs };
}
