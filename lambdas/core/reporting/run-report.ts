/**
 * A pipeline run's report: every output the run registered, with its status, rows, failed rules,
 * reports and quarantines, the row counts flowing along the run's lineage edges (step to step),
 * and the schema compatibility of its validations (aggregate-compatibility.ts). It answers "did
 * run R of pipeline P go well, and where not" in one document, from what the registry, the
 * lineage store and the stored reports already hold.
 *
 * An object uploaded twice in a run is judged by its newest version: a re-upload that passes
 * replaces the failed one, as `latest` does; the versions it replaced are counted, not hidden.
 */
import type { LineageEdge } from '../lineage/lineage-store';
import type { RegistryEntry } from '../registry/output-registry';
import type { TestStatus } from '../registry/status-transitions';
import { aggregateCompatibility, type CompatibilityAggregate } from './aggregate-compatibility';
import type { ReportDocument } from './report-document';

/**
 * Worst first: an object that could not be tested, one that failed, one not tested yet (the run
 * is not over), then the verdicts that let data through. Deleted and untracked versions say
 * nothing about the run's data.
 */
const STATUS_ORDER: readonly TestStatus[] = [
  'error',
  'failed',
  'pending',
  'warned',
  'passed',
  'deleted',
  'untracked',
];

export interface RunReportInput {
  readonly pipeline: string;
  readonly runId: string;
  /** Every registry entry of the run (every page of runOutputs). */
  readonly entries: readonly RegistryEntry[];
  /** Stored validation reports by their URI (an entry's reportUri); a missing one is listed. */
  readonly reports: ReadonlyMap<string, ReportDocument>;
  /** Lineage edges into the run's objects (their upstream edges). */
  readonly edges: readonly LineageEdge[];
  readonly generatedAt: string;
}

export interface RuleFailures {
  readonly rule: string;
  /** Objects of the output that failed the rule. */
  readonly objects: number;
}

export interface RunOutputSummary {
  /** `step/output`, or the object's URI for an entry without a logical name. */
  readonly output: string;
  /** The worst status of its objects (each at its newest version). */
  readonly status: TestStatus;
  readonly objects: number;
  /** Objects per status. */
  readonly statuses: Readonly<Partial<Record<TestStatus, number>>>;
  /** Versions replaced by a newer upload of the same object in the run. */
  readonly superseded: number;
  /** Rows of the objects that report a row count. */
  readonly rows: number;
  /** Objects without a row count (not tested yet, or not readable). */
  readonly rowsUnknown: number;
  readonly bytes: number;
  readonly failedRules: readonly RuleFailures[];
  readonly reports: readonly string[];
  readonly quarantines: readonly string[];
  /** Why objects could not be tested (failure reason: message), at most a few. */
  readonly errors: readonly string[];
}

export interface RunFlow {
  readonly from: string;
  readonly to: string;
  readonly kind: LineageEdge['kind'];
  /** Rows of each end in this run; absent for an end outside the run (another pipeline's input). */
  readonly rowsFrom?: number;
  readonly rowsTo?: number;
}

export interface RunReport {
  readonly pipeline: string;
  readonly runId: string;
  readonly generatedAt: string;
  /** The worst status of any output; `untracked` for a run with no registered object. */
  readonly status: TestStatus;
  readonly objects: number;
  readonly statuses: Readonly<Partial<Record<TestStatus, number>>>;
  /** By step and output. */
  readonly outputs: readonly RunOutputSummary[];
  /** Step-to-step edges of the run, by producer then consumer. */
  readonly flow: readonly RunFlow[];
  readonly compatibility: CompatibilityAggregate;
  /** Report URIs the registry names that could not be read: their outputs' details are partial. */
  readonly reportsMissing: readonly string[];
}

const MAX_ERRORS_PER_OUTPUT = 5;

function rank(status: TestStatus): number {
  return STATUS_ORDER.indexOf(status);
}

/** The worst of some statuses; `untracked` for none. */
export function worstStatus(statuses: Iterable<TestStatus>): TestStatus {
  let worst: TestStatus = 'untracked';
  for (const s of statuses) if (rank(s) < rank(worst)) worst = s;
  return worst;
}

function logicalName(e: RegistryEntry, pipeline: string): string {
  if (e.step === undefined || e.output === undefined) return e.uri;
  const name = `${e.step}/${e.output}`;
  return e.pipeline === undefined || e.pipeline === pipeline ? name : `${e.pipeline}/${name}`;
}

/** `pipeline/step/output` as the run report names it: without the pipeline when it is the run's. */
function shortName(full: string, pipeline: string): string {
  return full.startsWith(`${pipeline}/`) ? full.slice(pipeline.length + 1) : full;
}

function countInto<K extends string>(counts: Partial<Record<K, number>>, key: K): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/** Per object URI, its newest registration in the run; the others are superseded. */
function newestPerObject(entries: readonly RegistryEntry[]): {
  newest: RegistryEntry[];
  superseded: Map<string, number>;
} {
  const byUri = new Map<string, RegistryEntry>();
  const superseded = new Map<string, number>();
  for (const e of entries) {
    const seen = byUri.get(e.uri);
    if (seen === undefined) {
      byUri.set(e.uri, e);
      continue;
    }
    const older = seen.registeredAt <= e.registeredAt ? seen : e;
    byUri.set(e.uri, older === seen ? e : seen);
    superseded.set(e.uri, (superseded.get(e.uri) ?? 0) + 1);
  }
  return { newest: [...byUri.values()], superseded };
}

function errorLine(e: RegistryEntry): string | undefined {
  if (e.status !== 'error') return undefined;
  let cause = e.failureCause ?? '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') cause = parsed.errorMessage;
  } catch {
    // a cause that is not Lambda's error JSON is kept as it is
  }
  const line = [e.failureReason, cause].filter((t) => t !== undefined && t !== '').join(': ');
  return `${e.uri}: ${line === '' ? 'no reason recorded' : line}`.replace(/\s+/g, ' ').slice(0, 300);
}

export function buildRunReport(input: RunReportInput): RunReport {
  const { pipeline } = input;
  const entries = input.entries.filter((e) => e.runId === undefined || e.runId === input.runId);
  const { newest, superseded } = newestPerObject(entries);

  const groups = new Map<string, RegistryEntry[]>();
  for (const e of newest) {
    const name = logicalName(e, pipeline);
    const group = groups.get(name);
    if (group === undefined) groups.set(name, [e]);
    else group.push(e);
  }

  const reportsMissing: string[] = [];
  const documents: ReportDocument[] = [];
  const runStatuses: Partial<Record<TestStatus, number>> = {};
  const outputs: RunOutputSummary[] = [];
  for (const [output, group] of [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const statuses: Partial<Record<TestStatus, number>> = {};
    const rules = new Map<string, number>();
    const reports: string[] = [];
    const quarantines: string[] = [];
    const errors: string[] = [];
    let rows = 0;
    let rowsUnknown = 0;
    let bytes = 0;
    let replaced = 0;
    for (const e of group) {
      countInto(statuses, e.status);
      countInto(runStatuses, e.status);
      replaced += superseded.get(e.uri) ?? 0;
      bytes += e.size;
      if (e.rowCount !== undefined) rows += e.rowCount;
      else rowsUnknown++;
      for (const rule of e.failedRules ?? []) rules.set(rule, (rules.get(rule) ?? 0) + 1);
      if (e.quarantineUri !== undefined) quarantines.push(e.quarantineUri);
      const error = errorLine(e);
      if (error !== undefined && errors.length < MAX_ERRORS_PER_OUTPUT) errors.push(error);
      if (e.reportUri !== undefined) {
        reports.push(e.reportUri);
        const doc = input.reports.get(e.reportUri);
        if (doc === undefined) reportsMissing.push(e.reportUri);
        // Named as the outputs table names it (a stored report names the pipeline too).
        else documents.push({ ...doc, output });
      }
    }
    outputs.push({
      output,
      status: worstStatus(group.map((e) => e.status)),
      objects: group.length,
      statuses,
      superseded: replaced,
      rows,
      rowsUnknown,
      bytes,
      failedRules: [...rules]
        .map(([rule, objects]) => ({ rule, objects }))
        .sort((a, b) => b.objects - a.objects || (a.rule < b.rule ? -1 : 1)),
      reports,
      quarantines,
      errors,
    });
  }

  return {
    pipeline,
    runId: input.runId,
    generatedAt: input.generatedAt,
    status: worstStatus(newest.map((e) => e.status)),
    objects: newest.length,
    statuses: runStatuses,
    outputs,
    flow: flowOf(input.edges, newest, outputs, pipeline),
    compatibility: aggregateCompatibility(documents),
    reportsMissing,
  };
}

/**
 * The run's step-to-step edges: lineage edges into its objects, named by logical output at both
 * ends, each pair once, with the rows each end holds in the run.
 */
function flowOf(
  edges: readonly LineageEdge[],
  newest: readonly RegistryEntry[],
  outputs: readonly RunOutputSummary[],
  pipeline: string,
): RunFlow[] {
  const rowsOf = new Map(outputs.map((o) => [o.output, o]));
  const uris = new Set(newest.map((e) => e.uri));
  const pairs = new Map<string, RunFlow>();
  for (const edge of edges) {
    const to = edge.to.slice(0, edge.to.lastIndexOf('#'));
    if (!uris.has(to) || edge.fromOutput === undefined || edge.toOutput === undefined) continue;
    const from = shortName(edge.fromOutput, pipeline);
    const into = shortName(edge.toOutput, pipeline);
    const key = `${from}\u0000${into}\u0000${edge.kind}`;
    if (pairs.has(key)) continue;
    const a = rowsOf.get(from);
    const b = rowsOf.get(into);
    pairs.set(key, {
      from,
      to: into,
      kind: edge.kind,
      ...(a !== undefined ? { rowsFrom: a.rows } : {}),
      ...(b !== undefined ? { rowsTo: b.rows } : {}),
    });
  }
  return [...pairs.values()].sort((a, b) =>
    a.from !== b.from ? (a.from < b.from ? -1 : 1) : a.to < b.to ? -1 : a.to > b.to ? 1 : 0,
  );
}
