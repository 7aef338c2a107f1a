/**
 * `convert_to` on a large object, range by range, after its ranges validated and merged into a
 * passing report (decision 0012). Three steps, as the ranged validation has:
 *
 * - `planRangeConversion` (after mergeRanges): the validation's ranges, each with the row of the
 *   object it starts at (the rows the ranges before it validated), written to a manifest the
 *   conversion map reads. The rows come from the validation's envelopes: a range cannot count
 *   the rows before it without reading them.
 * - `convertRangeItem` (one map item): converts its range into a part object of its own
 *   (convertRange: Parquet row groups with their metadata, or CSV / JSON Lines text, the header
 *   in the first part only), proves it by reading it back, and writes an envelope with the part's
 *   share of the proof. A range's data problem is recorded in the envelope, not thrown.
 * - `assembleRangeConversion` (after the map): merges the shares into the proof of one pass
 *   (mergeRangeConversions, which refuses ranges that do not join), then publishes ONE object
 *   at the single path's converted key: an S3 multipart upload of the parts in order (parts of
 *   5 MiB or more copied where they lie, small ones joined, composePieces) and, for Parquet, a
 *   last piece with the footer listing every part's row groups at their offsets in the file.
 *
 * Parts are objects the ranges write, not parts of an upload the ranges share: a range that is
 * retried rewrites its object, the range reads back exactly what it wrote for its proof, and the
 * final step can join tiny parts (S3 refuses parts under 5 MiB but the last), which a range
 * uploading its own part number cannot know to do.
 */
import { convertRange, mergeRangeConversions, type RangeConversion } from '../conversion/convert-range';
import type { ContractCatalog } from '../contracts/contract-catalog';
import { IntegrityError, InvalidInputError, PrtError } from '../errors';
import { contentTypeOf } from '../formats/content-type';
import { PARQUET_MAGIC, parquetTail } from '../formats/parquet-parts';
import type { ReaderLimits } from '../formats/table-io';
import { composePieces, type ComposeLimits, type ObjectComposer } from '../storage/compose-object';
import { readText, s3Uri, type ObjectStore } from '../storage/object-store';
import { artifactKey } from './artifact-keys';
import { rangeEnvelopeKey, type RangeEnvelope, type RangeItem, type RangesManifest } from './validate-ranges';
import type { ConvertResult, ObjectRef, RegisteredOutput } from './workflow-types';

export interface ConvertRangesDeps {
  readonly store: ObjectStore;
  readonly composer: ObjectComposer;
  readonly catalog: ContractCatalog;
  readonly artifactsBucket: string;
  readonly reportsPrefix: string;
  readonly manifestsPrefix: string;
  readonly convertedPrefix: string;
  /**
   * Where the ranges' parts and envelopes lie until the assembly: a prefix of their own, which a
   * lifecycle rule of the artifacts bucket expires, so a failed or abandoned conversion leaves
   * nothing behind for ever (lib/artifacts-bucket.ts).
   */
  readonly conversionPartsPrefix: string;
  readonly readerLimits?: ReaderLimits;
  /** S3's part rules by default; tests lower them to exercise copies with small parts. */
  readonly composeLimits?: ComposeLimits;
}

/** A conversion manifest item: the validation's range item and the object's row it starts at. */
export interface ConversionItem extends RangeItem {
  readonly FirstRow: number;
}

/** What a range's conversion left for the assembly: its part and proof share, or why not. */
export interface RangeConversionEnvelope {
  readonly schemaVersion: 1;
  readonly index: number;
  readonly part: { readonly key: string; readonly versionId?: string; readonly size: number } | null;
  readonly conversion: RangeConversion | null;
  readonly error: { readonly name: string; readonly message: string } | null;
}

export interface RangeConversionInput {
  readonly dataset: ObjectRef;
  readonly output: RegisteredOutput;
  /** The validation's manifest (planRanges), or the conversion's (planRangeConversion). */
  readonly manifest: { readonly key: string };
}

const pad = (index: number): string => String(index).padStart(5, '0');

function convertedKey(
  deps: Pick<ConvertRangesDeps, 'convertedPrefix'>,
  object: ObjectRef,
  to: string,
): string {
  return artifactKey(deps.convertedPrefix, object, to);
}

/**
 * Where range `index` writes its part and its envelope: under the conversion parts prefix, in a
 * folder named as the converted output is (one per object version and target format), so the
 * converted prefix holds only published outputs and the parts expire with their prefix.
 */
export function rangePartKeys(
  deps: Pick<ConvertRangesDeps, 'conversionPartsPrefix'>,
  object: ObjectRef,
  to: string,
  index: number,
): { part: string; envelope: string } {
  const folder = `${artifactKey(deps.conversionPartsPrefix, object, to)}/`;
  return { part: `${folder}${pad(index)}.part`, envelope: `${folder}${pad(index)}.json` };
}

async function readJson<T>(
  deps: Pick<ConvertRangesDeps, 'store' | 'artifactsBucket'>,
  key: string,
): Promise<T> {
  return JSON.parse(await readText(deps.store, deps.artifactsBucket, key)) as T;
}

async function targetOf(deps: Pick<ConvertRangesDeps, 'catalog'>, output: RegisteredOutput) {
  const contract = await deps.catalog.get(output.contractKey);
  const to = contract.convertTo;
  if (to !== 'parquet' && to !== 'csv' && to !== 'jsonl')
    throw new InvalidInputError(
      `${output.contractKey} converts to ${String(to)}, which is converted in one pass; the state machine should not have planned ranges`,
    );
  return { contract, to };
}

export async function planRangeConversion(
  input: RangeConversionInput,
  deps: ConvertRangesDeps,
): Promise<RangesManifest> {
  const { dataset } = input;
  await targetOf(deps, input.output);
  const items = await readJson<RangeItem[]>(deps, input.manifest.key);
  let firstRow = 0;
  const planned: ConversionItem[] = [];
  for (const item of items) {
    const envelope = await readJson<RangeEnvelope>(deps, rangeEnvelopeKey(deps, dataset, item.Range.index));
    if (envelope.error || envelope.state === null)
      throw new IntegrityError(
        `${dataset.uri} range ${item.Range.index + 1} has no validated rows; it cannot be converted`,
      );
    planned.push({ ...item, FirstRow: firstRow });
    firstRow += envelope.rows;
  }
  // Beside the validation's manifest (named per execution), so executions never share one.
  const key = input.manifest.key.replace(/\.json$/, '.conversion.json');
  await deps.store.write(deps.artifactsBucket, key, JSON.stringify(planned), 'application/json');
  return { kind: 'ranges', bucket: deps.artifactsBucket, key, parts: planned.length };
}

export interface ConvertRangeItemInput {
  readonly dataset: ObjectRef;
  readonly output: RegisteredOutput;
  readonly part: ConversionItem;
}

export async function convertRangeItem(
  input: ConvertRangeItemInput,
  deps: ConvertRangesDeps,
): Promise<{ key: string; rows: number }> {
  const { dataset, part } = input;
  const { contract, to } = await targetOf(deps, input.output);
  const keys = rangePartKeys(deps, dataset, to, part.Range.index);
  const sink = deps.store.sink(deps.artifactsBucket, keys.part, 'application/octet-stream');
  let envelope: RangeConversionEnvelope;
  try {
    const conversion = await convertRange(
      deps.store.source(dataset.bucket, dataset.key, dataset.versionId ?? undefined),
      sink,
      () => deps.store.source(deps.artifactsBucket, keys.part, sink.result?.versionId),
      {
        range: part.Range,
        first: part.Range.index === 0,
        firstRow: part.FirstRow,
        to,
        contract,
        ...(deps.readerLimits ? { readerLimits: deps.readerLimits } : {}),
      },
    );
    envelope = {
      schemaVersion: 1,
      index: part.Range.index,
      part: {
        key: keys.part,
        ...(sink.result?.versionId ? { versionId: sink.result.versionId } : {}),
        size: conversion.size,
      },
      conversion,
      error: null,
    };
  } catch (error) {
    if (
      !(error instanceof PrtError) ||
      !['FormatError', 'IntegrityError', 'ContractError'].includes(error.name)
    )
      throw error;
    envelope = {
      schemaVersion: 1,
      index: part.Range.index,
      part: null,
      conversion: null,
      error: { name: error.name, message: error.message },
    };
  }
  await deps.store.write(deps.artifactsBucket, keys.envelope, JSON.stringify(envelope), 'application/json');
  return { key: keys.part, rows: envelope.conversion?.rowsIn ?? 0 };
}

/**
 * Joins the ranges' parts into the converted object and returns its proof. A range without a
 * passing part, or shares that do not join, is an IntegrityError naming the range: the data
 * passed its contract, its conversion did not, and the test ends in `error`.
 */
export async function assembleRangeConversion(
  input: RangeConversionInput,
  deps: ConvertRangesDeps,
): Promise<ConvertResult> {
  const { dataset } = input;
  const { contract, to } = await targetOf(deps, input.output);
  const items = await readJson<ConversionItem[]>(deps, input.manifest.key);
  const envelopes: RangeConversionEnvelope[] = [];
  for (const item of items) {
    const keys = rangePartKeys(deps, dataset, to, item.Range.index);
    let envelope: RangeConversionEnvelope;
    try {
      envelope = await readJson<RangeConversionEnvelope>(deps, keys.envelope);
    } catch {
      throw new IntegrityError(
        `${dataset.uri} range ${item.Range.index + 1} of ${items.length} was not converted (no envelope); nothing was published`,
      );
    }
    if (envelope.error || !envelope.conversion || !envelope.part)
      throw new IntegrityError(
        `conversion of ${dataset.uri} range ${item.Range.index + 1} of ${items.length} to ${to} failed: ${envelope.error ? `${envelope.error.name}: ${envelope.error.message}` : 'no part'}; nothing was published`,
      );
    envelopes.push(envelope);
  }
  const conversions = envelopes.map((e) => e.conversion!);
  const proof = mergeRangeConversions(conversions, { from: items[0]!.Range.kind, to, contract });
  const tail =
    to === 'parquet'
      ? parquetTail(
          conversions[0]!.schema,
          'snappy',
          conversions.map((c) => c.parquet!),
        )
      : new Uint8Array();
  const parts = envelopes.map((e) => ({
    bucket: deps.artifactsBucket,
    key: e.part!.key,
    ...(e.part!.versionId ? { versionId: e.part!.versionId } : {}),
    size: e.part!.size,
  }));
  const key = convertedKey(deps, dataset, to);
  const pieces = composePieces(
    { ...(to === 'parquet' ? { head: PARQUET_MAGIC } : {}), parts, tail },
    (part, start, end) =>
      end <= start
        ? Promise.resolve(new Uint8Array())
        : deps.store.readRange(part.bucket, part.key, start, end - 1, part.versionId),
    deps.composeLimits,
  );
  const written = await deps.composer.compose(deps.artifactsBucket, key, contentTypeOf(to), pieces);
  return {
    uri: s3Uri(deps.artifactsBucket, key),
    versionId: written.versionId ?? null,
    etag: written.etag,
    size: written.size,
    format: to,
    rowsIn: proof.rowsIn,
    rowsOut: proof.rowsOut,
    equivalent: proof.equivalent,
    checksums: proof.checksums,
  };
}
