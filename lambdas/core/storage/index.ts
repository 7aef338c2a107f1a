// The public face of storage: the object store port, S3 URIs and the local-file byte I/O.
export { fileSink, fileSource } from './file-byte-io';
export { ObjectNotFoundError, parseS3Uri, s3Uri } from './object-store';
export type { ObjectHead, ObjectStore, ObjectSummary, PublishingSink } from './object-store';
export { budgetedStore, timeBudget } from './time-budget';
export type { TimeBudget, TimeBudgetOptions } from './time-budget';
export { composePieces, MAX_COPY_BYTES, MAX_PARTS, MIN_PART_BYTES } from './compose-object';
export type {
  ComposedObject,
  ComposedPiece,
  ComposeLimits,
  ObjectComposer,
  StoredPart,
} from './compose-object';
