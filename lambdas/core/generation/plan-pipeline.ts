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
import { isUniqueColumn } from './value-checks';
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

  // Where each key column draws from, by contract: an explicit `ref`, else the first declared
  // input with a column of the same name and type that is a key or unique there.
  const targets = new Map<string, Map<string, { upstream: OutputContract; column: string }>>();
  for (const contract of order) {
    const name = logicalName(contract);
    const mine = new Map<string, { upstream: OutputContract; column: string }>();
    const upstreams = contract.inputs.map((i) => byName.get(qualifiedName(contract.pipeline, i))!);
    for (const column of contract.schema) {
      const ref = hintsOf(column).ref;
      if (ref !== undefined) {
        const dot = ref.lastIndexOf('.');
        const upstream = byName.get(qualifiedName(contract.pipeline, ref.slice(0, dot)));
        const columnName = ref.slice(dot + 1);
        // Planned before this output (an input, or an output ordered ahead of it), with that column.
        const planned =
          upstream !== undefined &&
          order.indexOf(upstream) >= 0 &&
          order.indexOf(upstream) < order.indexOf(contract);
        if (!planned || !upstream.schema.some((c) => c.name === columnName))
          throw new GenerationError(
            `ref '${ref}' names no column of a planned upstream output (declare it in inputs)`,
            `${name}.${column.name}`,
          );
        mine.set(column.name, { upstream, column: columnName });
        continue;
      }
      if (column.allowed || column.pattern !== undefined) continue;
      for (const up of upstreams) {
        const upColumn = up.schema.find((c) => c.name === column.name && c.type === column.type);
        if (!upColumn || (!KEY_NAME.test(column.name) && !upColumn.unique)) continue;
        mine.set(column.name, { upstream: up, column: column.name });
        break;
      }
    }
    targets.set(name, mine);
  }

  // A unique key drawn from upstream needs distinct values there: the upstream column is generated
  // unique too (which its contract allows), transitively, downstream first. Without this, order ids
  // drawn from an input that repeats them fail the consumer's own unique rule.
  const distinct = new Map<string, Set<string>>();
  const forcedOf = (c: OutputContract): Set<string> => {
    const key = logicalName(c);
    let set = distinct.get(key);
    if (!set) distinct.set(key, (set = new Set()));
    return set;
  };
  for (const contract of [...order].reverse()) {
    const forced = forcedOf(contract);
    for (const [columnName, target] of targets.get(logicalName(contract))!) {
      const column = contract.schema.find((c) => c.name === columnName)!;
      if (forced.has(columnName) || isUniqueColumn(column, contract.quality))
        forcedOf(target.upstream).add(target.column);
    }
  }
  const generated = (contract: OutputContract): OutputContract => {
    const forced = distinct.get(logicalName(contract));
    if (!forced || forced.size === 0) return contract;
    return {
      ...contract,
      schema: contract.schema.map((c) => (forced.has(c.name) && !c.unique ? { ...c, unique: true } : c)),
    };
  };

  const plans = new Map<string, TablePlan>();
  const violations = options.violations ?? [];
  return order.map((declared) => {
    const contract = generated(declared);
    const name = logicalName(contract);
    const references = new Map<string, KeyReference>();
    for (const [columnName, target] of targets.get(name)!) {
      const plan = plans.get(logicalName(target.upstream))!;
      const index = plan.schema.findIndex((c) => c.name === target.column);
      references.set(columnName, {
        plan: plan.columns[index]!,
        rows: plan.keys,
        name: `${logicalName(target.upstream)}.${target.column}`,
        distinct: isUniqueColumn(plan.schema[index]!, plan.contract.quality),
      });
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
