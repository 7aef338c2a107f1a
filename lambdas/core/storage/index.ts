export { fileSink, fileSource } from './file-byte-io';
export { ObjectNotFoundError, parseS3Uri, s3Uri } from './object-store';
export type { ObjectHead, ObjectStore, ObjectSummary, PublishingSink } from './object-store';
