// The public face of history: judging a version against the earlier versions of its output.
export { judgeAgainstHistory } from './history-detector';
export type { ColumnMetrics, VersionMetrics } from './history-detector';
export { clockTime, describeJudgement, durationText, historyFindings, metricText } from './history-findings';
export { columnMetricsOf, HISTORY_STATUSES, loadHistory } from './history-series';
export type { HistorySource, LoadedHistory } from './history-series';
export { DEFAULT_HISTORY_SETTINGS, HISTORY_LIMITS, HISTORY_METRICS } from './history-types';
export type {
  ExpectedBand,
  HistoryCheck,
  HistoryFinding,
  HistoryMetric,
  HistorySettings,
  HistoryTrendPoint,
  MetricJudgement,
} from './history-types';
