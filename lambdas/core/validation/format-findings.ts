/**
 * What an object's format says about it before a row is read, the same for the workflow and for
 * `prt validate`: a format other than the contract's fails the output (nothing is validated), and
 * a key whose extension names another format than the content warns.
 */
import { logicalName, type OutputContract } from '../contracts/output-contract';
import type { Detection } from '../formats/detect-format';
import type { RuleResult, ValidationReport } from './validation-report';

/**
 * Whether the detected format is the contract's. Magic bytes settle the format; sniffed content
 * that says nothing ('unknown') defers to the contract, and the reader then decides.
 */
export function formatMatches(detection: Pick<Detection, 'format' | 'source'>, expected: string): boolean {
  return detection.format === expected || (detection.source !== 'magic' && detection.format === 'unknown');
}

/** The report of an object in another format than its contract's: failed, with nothing read. */
export function formatMismatchReport(
  contract: OutputContract,
  detected: Pick<Detection, 'format' | 'compression'>,
): ValidationReport {
  return {
    output: logicalName(contract),
    status: 'failed',
    rowCount: 0,
    schema: { level: 'incompatible', accepted: contract.compatibility, columns: [] },
    rules: [],
    failedRules: ['format'],
    failedRowCount: 0,
    summary: `FAILED: expected ${contract.format}, found ${detected.format}${detected.compression === 'gzip' ? ' (gzip)' : ''}`,
  };
}

/**
 * A key whose extension names another format than its content (`orders.csv` holding Parquet) is
 * read by its content, but the name misleads every person and tool that trusts it: a warning rule,
 * `file_extension`, says so (the output warns instead of passing silently).
 */
export function withExtensionFinding(
  report: ValidationReport,
  key: string,
  // Optional: an inspection recorded before the extension was detected has none.
  inspection: { readonly format: string; readonly extensionFormat?: string | null | undefined },
): ValidationReport {
  const named = inspection.extensionFormat;
  if (!named || named === inspection.format || inspection.format === 'unknown') return report;
  const parts = key.split('/').pop()!.split('.');
  const ext = parts.slice(parts.at(-1)?.toLowerCase() === 'gz' ? -2 : -1).join('.');
  const note = `the key ends in .${ext}, which names ${named}, but the object is ${inspection.format}`;
  const rule: RuleResult = {
    name: 'file_extension',
    type: 'format',
    field: '',
    threshold: 1,
    severity: 'warn',
    note,
    evaluated: 1,
    passed: 0,
    failed: 1,
    passRate: 0,
    outcome: 'fail',
  };
  const status = report.status === 'passed' ? 'warned' : report.status;
  return {
    ...report,
    status,
    rules: [...report.rules, rule],
    failedRules: [...report.failedRules, rule.name],
    summary: `${report.summary.replace(/^[A-Z]+:/, `${status.toUpperCase()}:`)}; file_extension: ${note}`,
  };
}
