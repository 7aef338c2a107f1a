/**
 * Which objects of a registered folder (a partitioned output) are its parts. The validation branch,
 * downloads, samples and `inputs prepare` all ask here, so "the folder" is the same set of parts
 * everywhere.
 */

/**
 * Spark, Hive and Glue readers skip names starting with `_` or `.` (markers, `_temporary/`,
 * checksums) and folder placeholders, and so do we: they are not data.
 */
export function isDataPart(datasetFolder: string, key: string): boolean {
  // Folder placeholders: `…/` keys, and `…_$folder$` keys written by Hadoop's S3 connectors.
  if (!key.startsWith(datasetFolder) || key.endsWith('/') || key.endsWith('$folder$')) return false;
  return !key
    .slice(datasetFolder.length)
    .split('/')
    .some((segment) => segment.startsWith('_') || segment.startsWith('.'));
}

/** S3 lists keys in UTF-8 byte order; parts concatenate, merge and download in the same order. */
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
