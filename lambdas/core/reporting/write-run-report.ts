/**
 * The run report the workflow keeps: each time an output of a pipeline run is recorded (the
 * `Output Tested` event), the run's report is built again with the aggregation `prt report --run`
 * uses (collectRunReport) and written as JSON and one HTML page under
 * `reports/runs/<pipeline>/<run>/` in the artifacts bucket, replacing the previous one, so the
 * latest arrival of a run always finds the whole run reported.
 *
 * Bounded: a run with more registered objects than one report covers (collectRunReport's limit,
 * 10,000) is not reported; the result says so with the reason, for the caller to log, instead of
 * failing every later arrival of the run.
 */
import { collectRunReport, RunTooLargeError, type CollectRunDeps } from './collect-run';
import { renderRunReportHtml } from './render-run-report-html';

export interface WriteRunReportDeps extends CollectRunDeps {
  readonly artifactsBucket: string;
  /** The artifacts bucket's reports prefix (`reports/`); run reports go under `<prefix>runs/`. */
  readonly reportsPrefix: string;
}

export type RunReportResult =
  | {
      readonly status: 'written';
      readonly jsonKey: string;
      readonly htmlKey: string;
      /** Registered objects the report covers. */
      readonly objects: number;
    }
  | { readonly status: 'skipped'; readonly reason: string };

/**
 * A path segment for a pipeline or run name: S3 keys take any characters, but `/` would nest the
 * folder and `.`/`..` segments read as relative paths in tools that mirror the bucket, so those
 * are percent-encoded (a run id stays readable in the common case).
 */
export function runReportSegment(name: string): string {
  const encoded = encodeURIComponent(name);
  return encoded === '.' || encoded === '..' ? encoded.replace(/\./g, '%2E') : encoded;
}

/** Where the report of one run lives: `<prefix>runs/<pipeline>/<run>/report.{json,html}`. */
export function runReportKey(
  reportsPrefix: string,
  pipeline: string,
  runId: string,
  ext: 'json' | 'html',
): string {
  return `${reportsPrefix}runs/${runReportSegment(pipeline)}/${runReportSegment(runId)}/report.${ext}`;
}

export async function writeRunReport(
  deps: WriteRunReportDeps,
  pipeline: string,
  runId: string,
): Promise<RunReportResult> {
  let report;
  try {
    report = await collectRunReport(deps, pipeline, runId);
  } catch (error) {
    if (error instanceof RunTooLargeError) return { status: 'skipped', reason: error.message };
    throw error;
  }
  const jsonKey = runReportKey(deps.reportsPrefix, pipeline, runId, 'json');
  const htmlKey = runReportKey(deps.reportsPrefix, pipeline, runId, 'html');
  await deps.store.write(deps.artifactsBucket, jsonKey, JSON.stringify(report, null, 2), 'application/json');
  await deps.store.write(
    deps.artifactsBucket,
    htmlKey,
    renderRunReportHtml(report),
    'text/html; charset=utf-8',
  );
  return { status: 'written', jsonKey, htmlKey, objects: report.objects };
}
