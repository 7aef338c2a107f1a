// The public face of validation: running the checks and the report they produce.
export { runValidation } from './run-validation';
export type { ColumnReport, RuleResult } from './validation-report';
