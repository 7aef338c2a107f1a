/**
 * Deletion step: an `Object Deleted` event marks the registered versions whose bytes are gone as
 * `deleted`. The entries stay (lineage and reports keep pointing at them, with the mark), but
 * `latest` skips them, so a download of "the latest version" no longer resolves to an object that
 * no longer exists.
 *
 * Which versions are gone depends on how S3 deleted:
 * - a version id with `Permanently Deleted` (a versioned bucket, one version removed): that version;
 * - `Delete Marker Created` (a plain delete on a versioned bucket): the current version, now hidden
 *   behind the marker (older versions were already superseded and are not anyone's latest);
 * - no version id (an unversioned bucket): every registered version of the key, all overwritten or
 *   removed by now.
 * A deleted `_SUCCESS` marker takes its partitioned folder's version with it: the folder version was
 * named after that marker.
 */
import type { OutputRegistry, RegistryEntry } from '../registry/output-registry';
import { COMPLETION_MARKER } from './register-output';

export interface DeletionInput {
  readonly bucket: string;
  readonly key: string;
  readonly versionId: string | null;
  /** S3's `deletion-type`: 'Permanently Deleted' or 'Delete Marker Created'. */
  readonly deletionType: string;
  readonly eventTime: string;
}

export interface DeletionResult {
  readonly uri: string;
  /** Registry sort keys of the versions marked deleted by this event (none: nothing registered). */
  readonly deleted: readonly string[];
}

export interface DeletionDeps {
  readonly registry: OutputRegistry;
}

export async function recordDeletion(input: DeletionInput, deps: DeletionDeps): Promise<DeletionResult> {
  const objectUri = `s3://${input.bucket}/${input.key}`;
  const isMarker = input.key === COMPLETION_MARKER || input.key.endsWith(`/${COMPLETION_MARKER}`);
  const uri = isMarker ? objectUri.slice(0, -COMPLETION_MARKER.length) : objectUri;
  const live = (await deps.registry.versionsOf(uri)).filter(
    (e) => e.status !== 'deleted' && e.status !== 'untracked' && (!isMarker || e.marker === objectUri),
  );
  const gone = versionsGone(live, input);
  for (const entry of gone) {
    await deps.registry.transition(entry, 'deleted', {
      deletedAt: input.eventTime,
      deletionType: input.deletionType,
    });
  }
  return { uri, deleted: gone.map((e) => e.sk) };
}

/** `live` is newest first (versionsOf). */
function versionsGone(live: readonly RegistryEntry[], input: DeletionInput): readonly RegistryEntry[] {
  if (input.versionId === null) return live;
  if (input.deletionType === 'Delete Marker Created') return live.slice(0, 1);
  return live.filter((e) => e.versionId === input.versionId || e.sk === `VER#${input.versionId}`);
}
