// The public face of expressions. No layer above core uses it today; it names what validation and
// contracts use, for the day one does.
export { compileExpression, ExpressionError } from './expression';
export type { CompiledExpression, ExpressionType } from './expression';
