/**
 * Inspect step: checks that the object is still the version the event announced (size, ETag,
 * version id) and detects its format and compression from its first bytes.
 */
import { constants, gunzipSync } from 'node:zlib';
import { IntegrityError } from '../errors';
import { detectFormat } from '../formats/detect-format';
import { formatMatches } from '../validation/format-findings';
import type { ObjectStore } from '../storage/object-store';
import type { InspectInput, InspectResult } from './workflow-types';

const HEAD_BYTES = 64 * 1024;

export async function inspectOutput(
  input: InspectInput,
  deps: { readonly store: ObjectStore },
): Promise<InspectResult> {
  const { object, output } = input;
  const version = object.versionId ?? undefined;
  const head = await deps.store.head(object.bucket, object.key, version);
  if (head.size !== object.size) {
    throw new IntegrityError(
      `${object.uri} is ${head.size} bytes; the arrival event announced ${object.size}. It was overwritten or truncated`,
    );
  }
  if (object.etag && head.etag !== object.etag) {
    throw new IntegrityError(
      `${object.uri} has ETag ${head.etag}; the arrival event announced ${object.etag}. It was overwritten since it arrived`,
    );
  }
  const bytes =
    head.size === 0
      ? new Uint8Array()
      : await deps.store.readRange(object.bucket, object.key, 0, HEAD_BYTES - 1, version);
  let inflated: Uint8Array | undefined;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      // A sync flush inflates as much of the truncated head as possible instead of failing.
      // Bounded: a tiny head of a decompression bomb must not inflate without limit here either.
      inflated = gunzipSync(bytes, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: 4 * 1024 * 1024 });
    } catch {
      inflated = new Uint8Array();
    }
  }
  const detection = detectFormat(object.key, bytes, inflated);
  return {
    format: detection.format,
    compression: detection.compression,
    size: head.size,
    etag: head.etag,
    versionId: head.versionId ?? null,
    formatMatches: formatMatches(detection, output.format),
    extensionFormat: detection.extensionFormat,
  };
}
