// The public face of reporting: the HTML report and the formatting the console report shares.
export { LEVEL_ORDER } from './aggregate-compatibility';
export type { CompatibilityAggregate } from './aggregate-compatibility';
export { describeCondition } from './describe-condition';
export { formatBytes, formatCount, formatNumber, formatPercent } from './format-numbers';
export { renderHtmlReport } from './render-html-report';
export type { ReportDocument } from './report-document';
