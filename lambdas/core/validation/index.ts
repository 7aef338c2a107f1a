export { runValidation } from './run-validation';
export type { ColumnReport, RuleResult } from './validation-report';
