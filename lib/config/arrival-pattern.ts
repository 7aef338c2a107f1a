/**
 * The EventBridge pattern that starts the output-testing state machine. The CDK rule and the
 * embedded stack's matcher are both built from this function, so a local run tests the same filter
 * that is deployed.
 *
 * Under the partitioned prefixes only `_SUCCESS` markers match: a Spark job writing a thousand
 * part files starts one execution, from its marker, not a thousand (and deleting the marker marks
 * the folder's version deleted).
 *
 * Noise such as `_temporary/` and `$folder$` is not filtered here: an event pattern cannot AND a
 * prefix with an exclusion on the same field (`object.key`), so the state machine's first Choice
 * state drops it without invoking any Lambda.
 */
export interface ArrivalPatternInput {
  readonly bucketName: string;
  readonly watchedPrefixes: readonly string[];
  /** Prefixes of partitioned outputs: only their `_SUCCESS` markers match. */
  readonly partitionedPrefixes?: readonly string[];
}

export interface ArrivalPattern {
  readonly source: readonly string[];
  readonly 'detail-type': readonly string[];
  readonly detail: {
    readonly bucket: { readonly name: readonly string[] };
    readonly object: {
      readonly key: readonly ({ readonly prefix: string } | { readonly wildcard: string })[];
    };
  };
}

export function buildArrivalPattern(input: ArrivalPatternInput): ArrivalPattern {
  return {
    source: ['aws.s3'],
    // Deletions too: the state machine marks the versions they removed (RecordDeletion).
    'detail-type': ['Object Created', 'Object Deleted'],
    detail: {
      bucket: { name: [input.bucketName] },
      object: {
        key: [
          ...input.watchedPrefixes.map((prefix) => ({ prefix })),
          // A wildcard ANDs the prefix with the marker's name in one matcher (a prefix and a suffix
          // filter on the same field would be ORed): part files there start nothing.
          ...(input.partitionedPrefixes ?? []).map((prefix) => ({
            wildcard: `${prefix.replace(/[\\*]/g, '\\$&')}*/_SUCCESS`,
          })),
        ],
      },
    },
  };
}
