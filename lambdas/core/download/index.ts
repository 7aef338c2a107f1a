// The public face of download: the cache, the downloader, its port and errors, folder parts and safe
// local paths. Sampling (sample-object.ts) reads tables, loading Arrow and Parquet, so it is left out:
// `prt outputs`, `prt cache` and `prt local` import this face and must not pay for them.
export { cacheSettings, DownloadCache, parseDuration, parseSize } from './download-cache';
export {
  AccessDeniedError,
  EndpointUnreachableError,
  NoCredentialsError,
  NoSuchObjectError,
  NoSuchVersionError,
  ObjectChangedError,
  VersioningUnsupportedError,
} from './download-errors';
export { folderOfEntry, localPathsOfItems, partsOfFolder } from './folder-parts';
export type { FolderVersion } from './folder-parts';
export { ObjectDownloader } from './object-downloader';
export type { DownloadResult } from './object-downloader';
export { checksumFromHead, etagKind } from './object-integrity';
export type { ObjectInfo } from './object-integrity';
export type { ByteRange, DownloadSource, DownloadTarget, FolderObject, ObjectVersion } from './object-source';
export { prepareInside, resolveInside } from './safe-path';
export type { LocalPath } from './safe-path';
