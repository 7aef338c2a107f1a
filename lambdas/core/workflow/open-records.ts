/**
 * Opens an arrived object as a stream of record batches, decompressing gzip on the way.
 */
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { FormatError } from '../errors';
import { readCsv } from '../formats/csv-reader';
import type { RecordBatch } from '../formats/record-batch';
import type { ObjectStore } from '../storage/object-store';
import type { InspectResult, ObjectRef } from './workflow-types';

export async function openRecords(
  store: ObjectStore,
  object: ObjectRef,
  inspection: InspectResult,
): Promise<AsyncIterable<RecordBatch>> {
  if (inspection.format !== 'csv') {
    throw new FormatError(
      `reading ${inspection.format} outputs is not supported by this version; CSV (optionally gzip) is`,
    );
  }
  let body = await store.read(object.bucket, object.key, object.versionId ?? undefined);
  if (inspection.compression === 'gzip') {
    const gunzip = createGunzip();
    body = Readable.from(body).pipe(gunzip);
  }
  return readCsv(body);
}
