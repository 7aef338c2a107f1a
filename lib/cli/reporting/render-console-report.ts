/**
 * The validation report as a compact text table for the CLI: status line, rules with pass rates,
 * the columns with a schema finding, history anomalies and where the failed rows are. Colour
 * only when asked; data values are printed with control characters escaped (terminalText).
 */
import type { ColumnReport, RuleResult } from '../../../lambdas/core/validation';
import {
  describeCondition,
  formatBytes,
  formatCount,
  formatNumber,
  formatPercent,
  type ReportDocument,
} from '../../../lambdas/core/reporting';
import { metricText } from '../../../lambdas/core/history';
import { terminalColors } from './terminal-colors';
import { renderTextTable, terminalText } from './text-table';

export interface ConsoleReportOptions {
  /** ANSI colours (default false: plain text for logs and pipes). */
  readonly color?: boolean;
  /** Rules and columns listed at most (the rest are counted); default 50. */
  readonly maxRows?: number;
  /** List passing rules too (default true); failing ones always come first. */
  readonly passingRules?: boolean;
}

const LEVELS = ['strict', 'compatible', 'convertible', 'incompatible'];

function exampleOf(c: ColumnReport): string {
  if (c.castPlan !== undefined) return `cast: ${c.castPlan}`;
  if (!c.example) return '';
  return `row ${formatCount(c.example.row)}: ${c.example.value === null ? 'null' : `'${c.example.value}'`}`;
}

function ruleOrder(r: RuleResult): number {
  return r.outcome !== 'fail' ? 2 : r.severity === 'error' ? 0 : 1;
}

/**
 * @example
 * console.log(renderConsoleReport(report, { color: process.stdout.isTTY && !process.env.NO_COLOR }));
 */
export function renderConsoleReport(report: ReportDocument, options: ConsoleReportOptions = {}): string {
  const paint = terminalColors(options.color === true);
  const maxRows = options.maxRows ?? 50;
  const out: string[] = [];
  const rules = report.rules ?? [];
  const passed = rules.filter((r) => r.outcome === 'pass').length;
  const status = String(report.status);

  out.push(
    `${paint.bold(paint.status(status)(status.toUpperCase()))}  ${paint.bold(terminalText(report.output))}`,
  );
  const level = String(report.schema?.level ?? '');
  out.push(
    `  ${formatCount(report.rowCount)} rows · ${formatCount(report.failedRowCount)} failed rows · schema ` +
      `${paint.level(level)(level)} (accepts ${terminalText(String(report.schema?.accepted ?? ''))}) · ${passed} of ${rules.length} rules passed`,
  );
  if (report.object) {
    const details = [
      report.object.version !== undefined ? `version ${report.object.version}` : '',
      report.object.size !== undefined ? formatBytes(report.object.size) : '',
      report.format?.detected
        ? `${report.format.detected}${report.format.compression && report.format.compression !== 'none' ? `+${report.format.compression}` : ''}`
        : '',
    ].filter((d) => d !== '');
    out.push(
      `  ${terminalText(report.object.uri)}${details.length ? ` (${terminalText(details.join(', '))})` : ''}`,
    );
  }

  const shownRules = rules
    .map((r, i) => ({ r, i }))
    .filter(({ r }) => options.passingRules !== false || r.outcome === 'fail')
    .sort((a, b) => ruleOrder(a.r) - ruleOrder(b.r) || a.i - b.i);
  if (shownRules.length > 0) {
    out.push('', paint.bold('Rules'));
    const rows = shownRules.slice(0, maxRows).map(({ r }) => [
      {
        text: r.outcome === 'fail' ? 'FAIL' : r.outcome === 'pass' ? 'pass' : String(r.outcome),
        paint: paint.outcome(r.outcome, r.severity),
      },
      r.name,
      r.field ?? '',
      describeCondition(r.condition, r.constraint),
      formatPercent(r.passRate),
      formatPercent(r.threshold),
      formatCount(r.failed),
      r.severity,
    ]);
    out.push(
      ...renderTextTable(
        [
          { header: 'outcome' },
          { header: 'rule', maxWidth: 40 },
          { header: 'field', maxWidth: 30 },
          { header: 'condition', maxWidth: 36 },
          { header: 'pass rate', align: 'right' },
          { header: 'threshold', align: 'right' },
          { header: 'failed', align: 'right' },
          { header: 'severity' },
        ],
        rows,
        { headerPaint: paint.dim },
      ),
    );
    if (shownRules.length > maxRows) out.push(`  … and ${shownRules.length - maxRows} more rules`);
  }

  const columns = report.schema?.columns ?? [];
  const findings = columns
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => c.finding !== 'ok')
    .sort((a, b) => LEVELS.indexOf(b.c.level) - LEVELS.indexOf(a.c.level) || a.i - b.i);
  if (findings.length > 0) {
    out.push('', paint.bold(`Columns with findings (${findings.length} of ${columns.length})`));
    const rows = findings
      .slice(0, maxRows)
      .map(({ c }) => [
        c.name,
        c.expectedType ?? '–',
        c.finding.replace(/_/g, ' '),
        { text: c.level, paint: paint.level(c.level) },
        formatCount(c.nulls),
        formatCount(c.nonConforming),
        exampleOf(c),
      ]);
    out.push(
      ...renderTextTable(
        [
          { header: 'column', maxWidth: 32 },
          { header: 'expected' },
          { header: 'finding' },
          { header: 'level' },
          { header: 'nulls', align: 'right' },
          { header: 'non-conforming', align: 'right' },
          { header: 'example / cast plan', maxWidth: 60 },
        ],
        rows,
        { headerPaint: paint.dim },
      ),
    );
    if (findings.length > maxRows) out.push(`  … and ${findings.length - maxRows} more columns`);
  } else if (columns.length > 0) {
    out.push('', `All ${columns.length} columns match the contract (strict).`);
  }

  if (report.history && report.history.length > 0) {
    out.push('', paint.bold('History'));
    out.push(
      ...renderTextTable(
        [
          { header: 'metric' },
          { header: 'column', maxWidth: 32 },
          { header: 'current', align: 'right' },
          { header: 'expected', align: 'right' },
          { header: 'finding', maxWidth: 80 },
        ],
        report.history.slice(0, maxRows).map((h) => [
          h.metric,
          h.column ?? '',
          metricText(h.metric, h.current),
          // A band from the history judgement; an older report's previous value.
          h.expected
            ? `${metricText(h.metric, h.expected.low)} – ${metricText(h.metric, h.expected.high)}`
            : `previous ${formatNumber(h.previous)}`,
          h.message,
        ]),
        { headerPaint: paint.dim },
      ),
    );
  }

  if (report.quarantineUri) out.push('', `Failed rows: ${terminalText(report.quarantineUri)}`);
  out.push('', terminalText(report.summary));
  return `${out.join('\n')}\n`;
}
