/**
 * What can go wrong when fetching an object, as typed errors whose messages say what to do. The
 * S3 SDK reports these as service exceptions, credential-provider errors or socket errors; a user
 * needs to know which setting or permission to fix, not which layer failed.
 */
import { PrtError } from '../errors';

/** The key (or its bucket) does not exist. */
export class NoSuchObjectError extends PrtError {
  override readonly name = 'NoSuchObjectError';
}

/** The key exists but not the requested version (deleted, or never existed). */
export class NoSuchVersionError extends PrtError {
  override readonly name = 'NoSuchVersionError';
}

/** The credentials are valid but not allowed to read the object. */
export class AccessDeniedError extends PrtError {
  override readonly name = 'AccessDeniedError';
}

/** No usable credentials: none found, expired, or rejected by the endpoint. */
export class NoCredentialsError extends PrtError {
  override readonly name = 'NoCredentialsError';
}

/** The S3 endpoint cannot be reached (wrong URL, no network, DNS, a proxy or VPN). */
export class EndpointUnreachableError extends PrtError {
  override readonly name = 'EndpointUnreachableError';
}

/** The object was overwritten while it was being downloaded (its ETag changed between parts). */
export class ObjectChangedError extends PrtError {
  override readonly name = 'ObjectChangedError';
}

/**
 * A registered folder (a partitioned output) no longer holds the parts of the version asked for:
 * a part was written after that version was tested, or the folder was published again.
 */
export class FolderChangedError extends PrtError {
  override readonly name = 'FolderChangedError';
}

/** The endpoint has no S3 versioning (the embedded s3rver, an unversioned bucket's listing). */
export class VersioningUnsupportedError extends PrtError {
  override readonly name = 'VersioningUnsupportedError';
}

/** A destination path that would leave its root directory (`../` in a key, a symlink). */
export class UnsafePathError extends PrtError {
  override readonly name = 'UnsafePathError';
}

/** Two keys of one download would be written to the same local file, even after disambiguation. */
export class PathCollisionError extends PrtError {
  override readonly name = 'PathCollisionError';
}

/** Another download holds the cache entry for longer than we are willing to wait. */
export class CacheBusyError extends PrtError {
  override readonly name = 'CacheBusyError';
}

/** The download was stopped (signal, Ctrl-C); its finished parts are kept for the next run. */
export class DownloadInterruptedError extends PrtError {
  override readonly name = 'DownloadInterruptedError';
}
