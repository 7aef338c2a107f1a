// The public face of generation: planning and writing synthetic tables, and the pieces the CLI reuses.
export { CellRandom, hashText } from './cell-random';
export { generateToStore, parseGenerateRequest } from './generate-to-store';
export type { GenerateResult } from './generate-to-store';
export { GenerationError } from './generation-error';
export { planPipeline } from './plan-pipeline';
export { compilePattern } from './regex-generator';
export { kindFromName } from './semantic-pools';
export type { SemanticKind } from './semantic-pools';
export { registerSynthetic, syntheticKey } from './synthetic-output';
export { planTable } from './table-plan';
export type { TablePlan } from './table-plan';
export { compileTemplate } from './text-template';
export { parseViolation } from './violations';
export { writeGeneratedTable } from './write-generated-table';
