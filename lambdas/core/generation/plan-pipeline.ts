/**
 * Consistent data for a whole pipeline: every output of the pipeline (and the upstream outputs
 * they declare as `inputs`) is planned in dependency order, and key columns draw their values
 * from the upstream output they come from, so orders.customer_id values are customer_ids that
 * exist in customers. A key column is one with an explicit `generate.ref`
 * (`step/output.column`), or a column of a declared input's schema with the same name and type
 * whose name marks a key (`id`, `*_id`, `*_key`, `*_code`) or which is unique upstream.
 *
 * Each output gets its own seed derived from the run's seed and its logical name, so adding an
 * output does not change the others.
 */
import { logicalName, qualifiedName, type OutputContract } from '../contracts/output-contract';
import { hashText } from './cell-random';
import { hintsOf } from './column-plan';
import { GenerationError } from './generation-error';
import { planTable, type KeyReference, type TablePlan } from './table-plan';
import type { ViolationRequest } from './violations';

export interface PipelinePlanOptions {
  readonly rows?: number;
  readonly seed: number;
  /** Violations, applied to the outputs that have the targeted rule or column. */
  readonly violations?: readonly ViolationRequest[];
}

const KEY_NAME = /(^id$|_id$|_key$|_code$)/i;

/** Output seeds: independent per output, all from one run seed. */
export function outputSeed(seed: number, contract: OutputContract): number {
  return hashText(logicalName(contract), seed) & 0x7fffffff;
}

/**
 * Plans every output of `pipeline` in `contracts` (and their upstream closure), upstream first.
 * An input no contract describes is a GenerationError naming it.
 */
export function planPipeline(
  contracts: readonly OutputContract[],
  pipeline: string,
  options: PipelinePlanOptions,
): TablePlan[] {
  const byName = new Map(contracts.map((c) => [logicalName(c), c]));
  const members = contracts.filter((c) => c.pipeline === pipeline);
  if (members.length === 0) {
    const known = [...new Set(contracts.map((c) => c.pipeline))].join(', ') || 'none';
    throw new GenerationError(
      `no contract belongs to pipeline '${pipeline}' (pipelines: ${known})`,
      '--pipeline',
    );
  }
  const order: OutputContract[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (c: OutputContract, path: string[]): void => {
    const name = logicalName(c);
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting')
      throw new GenerationError(`inputs form a cycle: ${[...path, name].join(' → ')}`, name);
    state.set(name, 'visiting');
    for (const input of c.inputs) {
      const upstream = byName.get(qualifiedName(c.pipeline, input));
      if (!upstream) throw new GenerationError(`input '${input}' is not described by any contract`, name);
      visit(upstream, [...path, name]);
    }
    state.set(name, 'done');
    order.push(c);
  };
  for (const c of members) visit(c, []);

  const plans = new Map<string, TablePlan>();
  const violations = options.violations ?? [];
  return order.map((contract) => {
    const name = logicalName(contract);
    const references = new Map<string, KeyReference>();
    const upstreams = contract.inputs.map((i) => plans.get(qualifiedName(contract.pipeline, i))!);
    for (const column of contract.schema) {
      const ref = hintsOf(column).ref;
      if (ref !== undefined) {
        const dot = ref.lastIndexOf('.');
        const target = plans.get(qualifiedName(contract.pipeline, ref.slice(0, dot)));
        const columnName = ref.slice(dot + 1);
        const index = target?.schema.findIndex((c) => c.name === columnName) ?? -1;
        if (!target || index < 0)
          throw new GenerationError(
            `ref '${ref}' names no column of a planned upstream output (declare it in inputs)`,
            `${name}.${column.name}`,
          );
        references.set(column.name, {
          plan: target.columns[index]!,
          rows: target.keys,
          name: `${logicalName(target.contract)}.${columnName}`,
        });
        continue;
      }
      if (column.allowed || column.pattern !== undefined) continue;
      for (const up of upstreams) {
        const index = up.schema.findIndex((c) => c.name === column.name && c.type === column.type);
        if (index < 0) continue;
        const upColumn = up.schema[index]!;
        if (!KEY_NAME.test(column.name) && !upColumn.unique) continue;
        references.set(column.name, {
          plan: up.columns[index]!,
          rows: up.keys,
          name: `${logicalName(up.contract)}.${column.name}`,
        });
        break;
      }
    }
    const mine = violations.filter(
      (v) =>
        contract.quality.some((r) => r.name === v.target) ||
        contract.schema.some((c) => v.target.startsWith(`${c.name}.`)),
    );
    const plan = planTable(contract, {
      seed: outputSeed(options.seed, contract),
      ...(options.rows !== undefined && !contract.schema.some((c) => hintsOf(c).series)
        ? { rows: options.rows }
        : {}),
      violations: mine,
      references,
    });
    plans.set(name, plan);
    return plan;
  });
}
