/**
 * The run report the workflow keeps: after outputs of a pipeline run are recorded (the `Output
 * Tested` events, gathered in batches by write-run-report-batch.ts so a burst costs one write per
 * run, not one per output), the run's report is built again with the aggregation `prt report --run`
 * uses (collectRunReport) and written as JSON and one HTML page under
 * `reports/runs/<pipeline>/<run>/` in the artifacts bucket, replacing the previous one, so the
 * latest arrival of a run always finds the whole run reported.
 *
 * Bounded: a run with more registered objects than one report covers (collectRunReport's limit,
 * 10,000) is not reported; the result says so with the reason, for the caller to log, instead of
 * failing every later arrival of the run.
 *
 * Concurrency: two batches holding outputs of the same run start two writers, and S3 keeps whichever put
 * comes last. Re-collecting the run in each writer is not enough on its own: a writer that read
 * the registry before the other output was recorded may put after the other writer, and its older
 * view would win. So a writer reads the run's entries again after it has written, and writes again
 * when they changed (at most MAX_PASSES times). The last put of all is then made by a writer whose
 * re-read, taken after that put, found nothing new; every recording's own writer puts after the
 * recording, so every recording came before that last put and that re-read saw it: the report left
 * holds every output recorded. Each writer also reads
 * the version that asked for the report from the table itself (GetItem, strongly consistent), since
 * the run index is a global secondary index, read eventually consistently, that may not show a
 * status recorded a moment ago.
 */
import { objectPk, type RegistryEntry } from '../registry/output-registry';
import { reportOfEntries, runEntries, RunTooLargeError, type CollectRunDeps } from './collect-run';
import { renderRunReportHtml } from './render-run-report-html';

export interface WriteRunReportDeps extends CollectRunDeps {
  readonly artifactsBucket: string;
  /** The artifacts bucket's reports prefix (`reports/`); run reports go under `<prefix>runs/`. */
  readonly reportsPrefix: string;
}

/** An object version whose recording asked for a run report (its URI and registry sort key `VER#...`). */
export interface RecordedVersion {
  readonly uri: string;
  readonly version: string;
}

export interface WriteRunReportOptions {
  /**
   * The versions whose recording asked for the report: one per Output Tested event, several when
   * the events of a run are written in one batch (lambdas/core/reporting/write-run-report-batch.ts).
   */
  readonly recorded?: RecordedVersion | readonly RecordedVersion[];
}

/** GetItem calls in flight at once when a batch names many versions of a run. */
const RECORDED_READS_IN_FLIGHT = 8;

export type RunReportResult =
  | {
      readonly status: 'written';
      readonly jsonKey: string;
      readonly htmlKey: string;
      /** Registered objects the report covers. */
      readonly objects: number;
      /** Times the report was written: more than one when the run changed while it was being written. */
      readonly passes: number;
      /**
       * False when the run still changed after the last pass: the writers of the newer recordings
       * write the report again, but this one did not see the run at rest.
       */
      readonly settled: boolean;
    }
  | { readonly status: 'skipped'; readonly reason: string };

/**
 * Most writes of one report per call: each pass costs a full read of the run's stored reports, and
 * a run whose outputs land faster than that is reported again by their own writers anyway.
 */
export const MAX_PASSES = 4;

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

/** JSON with object keys sorted, so the same entries read twice compare equal whatever the key order. */
function stableJson(value: unknown): string {
  if (value instanceof Set) return stableJson([...(value as Set<unknown>)].map(String).sort());
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const fields = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${fields.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What the run's entries say, independent of the order they were read in. */
function fingerprint(entries: readonly RegistryEntry[]): string {
  return entries
    .map((e) => stableJson(e))
    .sort()
    .join('\n');
}

/** The recorded versions, each once (a queue may deliver the same event twice). */
function recordedList(recorded: WriteRunReportOptions['recorded']): readonly RecordedVersion[] {
  if (recorded === undefined) return [];
  const list = 'uri' in recorded ? [recorded] : recorded;
  const seen = new Map<string, RecordedVersion>();
  for (const r of list) {
    const version = r.version.startsWith('VER#') ? r.version : `VER#${r.version}`;
    seen.set(`${r.uri}\n${version}`, { uri: r.uri, version });
  }
  return [...seen.values()];
}

/** The run's entries, with each recorded version as the table itself holds it. */
async function currentEntries(
  deps: WriteRunReportDeps,
  pipeline: string,
  runId: string,
  recorded: readonly RecordedVersion[],
): Promise<RegistryEntry[]> {
  const entries = await runEntries(deps, pipeline, runId);
  const own: (RegistryEntry | undefined)[] = new Array<RegistryEntry | undefined>(recorded.length);
  let next = 0;
  const reader = async (): Promise<void> => {
    while (next < recorded.length) {
      const at = next++;
      const r = recorded[at]!;
      own[at] = await deps.registry.get(objectPk(r.uri), r.version);
    }
  };
  await Promise.all(Array.from({ length: Math.min(RECORDED_READS_IN_FLIGHT, recorded.length) }, reader));
  const index = new Map(entries.map((e, at) => [`${e.pk}\n${e.sk}`, at] as const));
  for (const item of own) {
    if (item === undefined || item.pipeline !== pipeline || item.runId !== runId) continue;
    const at = index.get(`${item.pk}\n${item.sk}`);
    if (at !== undefined) entries[at] = item;
    else {
      index.set(`${item.pk}\n${item.sk}`, entries.length);
      entries.push(item);
    }
  }
  return entries;
}

export async function writeRunReport(
  deps: WriteRunReportDeps,
  pipeline: string,
  runId: string,
  options: WriteRunReportOptions = {},
): Promise<RunReportResult> {
  const jsonKey = runReportKey(deps.reportsPrefix, pipeline, runId, 'json');
  const htmlKey = runReportKey(deps.reportsPrefix, pipeline, runId, 'html');
  const recorded = recordedList(options.recorded);
  try {
    let entries = await currentEntries(deps, pipeline, runId, recorded);
    for (let pass = 1; ; pass++) {
      const report = await reportOfEntries(deps, pipeline, runId, entries);
      await deps.store.write(
        deps.artifactsBucket,
        jsonKey,
        JSON.stringify(report, null, 2),
        'application/json',
      );
      await deps.store.write(
        deps.artifactsBucket,
        htmlKey,
        renderRunReportHtml(report),
        'text/html; charset=utf-8',
      );
      const again = await currentEntries(deps, pipeline, runId, recorded);
      const settled = fingerprint(again) === fingerprint(entries);
      if (settled || pass === MAX_PASSES)
        return { status: 'written', jsonKey, htmlKey, objects: report.objects, passes: pass, settled };
      entries = again;
    }
  } catch (error) {
    if (error instanceof RunTooLargeError) return { status: 'skipped', reason: error.message };
    throw error;
  }
}
