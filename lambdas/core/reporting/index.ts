// The public face of reporting: the HTML report and the formatting the console report shares.
export { LEVEL_ORDER } from './aggregate-compatibility';
export type { CompatibilityAggregate } from './aggregate-compatibility';
export { describeCondition } from './describe-condition';
export { formatBytes, formatCount, formatNumber, formatPercent } from './format-numbers';
export { renderHtmlReport } from './render-html-report';
export type { ReportDocument } from './report-document';
export { buildRunReport, worstStatus } from './run-report';
export type { RunFlow, RunOutputSummary, RunReport, RunReportInput } from './run-report';
export { renderRunReportHtml } from './render-run-report-html';
export { collectRunReport, RunReadCache, RunTooLargeError } from './collect-run';
export type { CollectRunDeps } from './collect-run';
export { MAX_PASSES, runReportKey, writeRunReport } from './write-run-report';
export type {
  RecordedVersion,
  RunReportResult,
  WriteRunReportDeps,
  WriteRunReportOptions,
} from './write-run-report';
export { groupMessagesByRun, writeRunReportBatch } from './write-run-report-batch';
export type {
  GroupedMessages,
  MessageOutsideRuns,
  RunOfBatch,
  RunOfBatchResult,
  RunReportBatchResult,
  RunReportMessage,
} from './write-run-report-batch';
export { runOfTestedOutput, writeTestedRunReport } from './write-tested-run-report';
export type { TestedRunReportResult } from './write-tested-run-report';
