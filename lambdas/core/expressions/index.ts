export { compileExpression, ExpressionError } from './expression';
export type { CompiledExpression, ExpressionType } from './expression';
