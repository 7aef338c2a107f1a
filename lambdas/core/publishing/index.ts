// The public face of publishing: the Publish step of write-audit-publish, its copy planner and its port.
export { COPY_LIMITS, DEFAULT_COPY_PART_BYTES, planFolderPublication, planObjectCopy } from './copy-plan';
export type { CopyPart, CopyPlan, CopyPlanOptions, FolderPublication, StagedPart } from './copy-plan';
export { PUBLISHED_FROM_METADATA, StagedVersionChangedError } from './object-copier';
export type {
  CopiedObject,
  CopyOptions,
  CopySource,
  ObjectCopier,
  ObjectLocation,
  PublishedObject,
} from './object-copier';
export { publishOutput } from './publish-output';
export type { PublishDeps, PublishInput, PublishResult } from './publish-output';
export { publishedKeyOf, requirePublishedPrefix } from './published-key';
