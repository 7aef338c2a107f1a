/**
 * Fixed layout of the artifacts bucket: contracts in, reports, quarantine and converted outputs out.
 * The CDK passes these to the handlers through FUNCTION_ENV (lambdas/runtime/function-environment.ts);
 * the handlers themselves read only the variables.
 */
export const ARTIFACT_PREFIXES = {
  contracts: 'contracts/',
  reports: 'reports/',
  /** Pipeline runs' reports, rewritten as each output of a run is recorded (lib/run-report-writer.ts). */
  runReports: 'reports/runs/',
  quarantine: 'quarantine/',
  converted: 'converted/',
  /**
   * A large object's conversion range by range: each range's part and envelope, until the parts
   * are joined into the one output under converted/; expired by a lifecycle rule.
   */
  conversionParts: 'conversion-parts/',
  /** Results of the partitioned branch's Distributed Map runs (its ResultWriter). */
  mapRuns: 'map-runs/',
  /** The partitioned branch's plans: the parts each Distributed Map run is given (its ItemReader). */
  manifests: 'manifests/',
  /** The results dataset: Parquet, one folder per table, Hive-partitioned (lib/results-dataset.ts). */
  results: 'results/',
  /** Athena's query results for the results workgroup. */
  athenaResults: 'athena-results/',
} as const;
