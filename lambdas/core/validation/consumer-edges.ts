/**
 * When an output lands, the steps that read it are asked too: the schema the object showed (the
 * producer's columns present, typed as its contract types them, nullable where nulls were seen;
 * columns the contract does not name, untyped) is graded against each consumer's expectation with
 * the grading `prt contract check` uses. An edge below what its consumer accepts fails the
 * producer's output, or warns when the consumer declared `on_break: warn`, naming the consumer in
 * the summary and in the failed rules (`consumer:<name>=<level>`), which the registry keeps.
 */
import {
  gradeEdge,
  logicalName,
  type ColumnSpec,
  type Consumer,
  type EdgeGrade,
  type OutputContract,
  type ValueFit,
} from '../contracts';
import type { RecordedEdge } from '../registry/output-registry';
import type { ValidationReport } from './validation-report';

/** How a broken consumer edge is named among the failed rules: `consumer:<name>=<level>`. */
export const CONSUMER_RULE_PREFIX = 'consumer:';

/** Whether a failed rule is a consumer's edge grade rather than a rule of the contract. */
export function isConsumerRule(rule: string): boolean {
  return rule.startsWith(CONSUMER_RULE_PREFIX);
}

/** The failed-rule name of a broken edge: the consumer and the level the output graded for it. */
export function consumerRuleName(edge: EdgeGrade): string {
  return `${CONSUMER_RULE_PREFIX}${edge.consumer}=${edge.level}`;
}

/** The columns a landed object showed, from its validation report, as a producer's schema. */
export function observedColumns(
  report: ValidationReport,
  contract: OutputContract,
): { columns: ColumnSpec[]; untyped: Set<string>; fits: Map<string, readonly ValueFit[]> } {
  const byName = new Map(contract.schema.map((c) => [c.name, c]));
  const columns: ColumnSpec[] = [];
  const untyped = new Set<string>();
  const fits = new Map<string, readonly ValueFit[]>();
  for (const c of report.schema.columns) {
    const declared = byName.get(c.name);
    if (c.finding === 'missing') continue;
    // Values that broke the producer's own type, and columns its contract does not name, have no
    // type a consumer could rely on; a typed file's declared type is one, whatever its values.
    if (!declared || c.finding === 'extra' || (c.finding === 'type_mismatch' && !c.stored)) {
      untyped.add(c.name);
      continue;
    }
    // A typed file is read as the type it declares (int64 stored for an int32 column is int64).
    columns.push({ ...declared, ...(c.stored ?? {}), nullable: c.nulls > 0 });
    if (c.fits) fits.set(c.name, c.fits);
  }
  return { columns, untyped, fits };
}

/**
 * The report with each consumer's edge graded and recorded (`consumers`), the status lowered by the
 * broken ones (fail or warn, as each consumer declared) and the summary naming them.
 */
export function withConsumerEdges(
  report: ValidationReport,
  contract: OutputContract,
  consumers: readonly Consumer[],
): ValidationReport {
  if (consumers.length === 0) return report;
  const observed = observedColumns(report, contract);
  const producer = logicalName(contract);
  const edges = consumers.map((consumer) =>
    gradeEdge(
      {
        producer,
        columns: observed.columns,
        baseline: contract.schema,
        untyped: observed.untyped,
        ...(observed.fits.size > 0 ? { fits: observed.fits } : {}),
      },
      consumer,
    ),
  );
  const broken = edges.filter((e) => e.breaks);
  let status = report.status;
  if (broken.some((e) => e.onBreak === 'fail')) status = 'failed';
  else if (broken.length > 0 && status === 'passed') status = 'warned';
  // Every grade is in the report; the summary (kept in the registry) names the broken edges.
  const rest = report.summary.replace(/^[A-Z]+/, '');
  const named = broken.map(
    (e) => `${e.consumer} grades it ${e.level}, below its ${e.accepts} (${e.onBreak})`,
  );
  return {
    ...report,
    status,
    consumers: edges,
    failedRules: [...report.failedRules, ...broken.map(consumerRuleName)],
    summary:
      named.length > 0
        ? `${status.toUpperCase()}${rest}; consumer ${named.join('; consumer ')}`
        : report.summary,
  };
}

/** Consumers recorded per version: a registry item stays far below DynamoDB's 400 KB. */
export const MAX_RECORDED_EDGES = 200;
/** Characters of an edge's reason kept in the registry; the report keeps every change. */
export const MAX_EDGE_REASON = 400;

/**
 * The edges of a report as the registry records them: consumer, level, accepted level, whether it
 * broke, and the reason in words (the changes that set the level, with their cast plans). Bounded:
 * at most MAX_RECORDED_EDGES consumers (the report, linked from the entry, has them all), reasons cut
 * at MAX_EDGE_REASON characters with an ellipsis.
 */
export function recordedEdgesOf(edges: readonly EdgeGrade[]): RecordedEdge[] {
  return edges.slice(0, MAX_RECORDED_EDGES).map((e) => {
    const deciding = e.changes.filter((c) => c.level === e.level && c.level !== 'strict');
    const text =
      deciding.length === 0
        ? 'reads it as declared'
        : deciding.map((c) => `${c.column}: ${c.change}${c.castPlan ? ` (${c.castPlan})` : ''}`).join('; ');
    return {
      consumer: e.consumer,
      level: e.level,
      accepts: e.accepts,
      breaks: e.breaks,
      onBreak: e.onBreak,
      reason: text.length > MAX_EDGE_REASON ? `${text.slice(0, MAX_EDGE_REASON - 1)}…` : text,
    };
  });
}
