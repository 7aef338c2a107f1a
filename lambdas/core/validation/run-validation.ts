/**
 * One validation of one input, as both the validate Lambda and `prt validate` run it: loads what
 * referential and distribution rules compare against, streams the input through the engine, and
 * streams every failing row to a quarantine sink that is opened only when a row fails.
 */
import { qualifiedName, type ColumnSpec, type OutputContract } from '../contracts/output-contract';
import { ContractError } from '../errors';
import type { ByteSink, ByteSource } from '../formats/byte-io';
import { ColumnMapping } from '../formats/column-mapping';
import { openTable, type OpenedTable } from '../formats/open-table';
import type { ReaderLimits } from '../formats/table-io';
import { columnCodec, NOT_CONFORMING } from '../contracts/typed-values';
import { FailedRowLines } from './failed-row-lines';
import { withPartitionColumns, type PartitionValue } from './partition-values';
import { readStoredTypes } from './stored-types';
import { ValidationState, type ValidateOptions } from './validate-records';
import type { FailedRow, ValidationReport } from './validation-report';

export interface ValidationRunDeps {
  /** Opens a reference sample (ks_test) by its path or URI. */
  readonly openSource: (location: string) => ByteSource;
  /** Resolves a logical output (`step/output` or `pipeline/step/output`) to its newest object. */
  readonly resolveOutput?: (logicalName: string) => Promise<ByteSource | undefined>;
  /** Opened on the first failing row. */
  readonly quarantineSink?: () => ByteSink;
  readonly now?: () => Date;
  /** Bounds every object read here is held to: the input, reference sets and samples alike. */
  readonly readerLimits?: ReaderLimits;
  /** A part's values from its Hive-style folders (partition-values.ts), added as columns. */
  readonly partition?: { readonly key: string; readonly values: readonly PartitionValue[] };
  /**
   * Columns as the output's consumers read them (their declared expectations): a typed file's
   * values are measured against these narrower types too, so each edge is graded by them.
   */
  readonly consumerColumns?: readonly ColumnSpec[];
}

/** The streamed state of one input, before (or without) a report. */
export interface StateRun {
  readonly state: ValidationState;
  readonly opened: OpenedTable;
  readonly quarantinedRows: number;
}

export interface ValidationRun extends StateRun {
  readonly report: ValidationReport;
}

export interface RuleReferences {
  readonly referenceSets: Map<string, Set<string>>;
  readonly referenceSamples: Map<string, number[]>;
}

/**
 * Loads what referential rules compare against: `exists_in` sets (row checks, needed wherever rows
 * are read) and `ks_test` samples (dataset rules, needed where the report is made).
 */
export async function loadRuleReferences(
  contract: OutputContract,
  deps: Pick<ValidationRunDeps, 'openSource' | 'resolveOutput' | 'readerLimits'>,
  load: { readonly sets?: boolean; readonly samples?: boolean } = {},
): Promise<RuleReferences> {
  const referenceSets = new Map<string, Set<string>>();
  const referenceSamples = new Map<string, number[]>();
  for (const rule of contract.quality) {
    const c = rule.condition;
    if (c.kind === 'exists_in' && load.sets !== false) {
      const name = qualifiedName(contract.pipeline, c.output);
      const ref = deps.resolveOutput ? await deps.resolveOutput(name) : undefined;
      if (!ref)
        throw new ContractError(
          `rule ${rule.name}: no registered version of ${name} to check ${rule.field} against`,
        );
      referenceSets.set(
        rule.name,
        await loadReferenceSet(ref, c.field, contract, rule.field!, deps.readerLimits),
      );
    } else if (c.kind === 'ks_test' && load.samples !== false) {
      referenceSamples.set(
        rule.name,
        await loadSample(deps.openSource(c.reference), rule.field!, deps.readerLimits),
      );
    }
  }
  return { referenceSets, referenceSamples };
}

const MAX_REFERENCE_VALUES = 10_000_000;
const MAX_SAMPLE_VALUES = 1_000_000;

async function loadReferenceSet(
  source: ByteSource,
  field: string,
  contract: OutputContract,
  ruleField: string,
  limits: ReaderLimits = {},
): Promise<Set<string>> {
  const column = contract.schema.find((c) => c.name === ruleField)!;
  const codec = columnCodec(column);
  const mapping = new ColumnMapping([{ ...column, name: field }]);
  const values = new Set<string>();
  for await (const batch of (await openTable(source, limits)).batches) {
    mapping.update(batch.columns);
    const at = mapping.indexOf[0]!;
    if (at < 0) throw new ContractError(`reference ${source.name} has no column '${field}'`);
    for (const row of batch.rows) {
      const raw = row[at];
      if (raw === null || raw === undefined) continue;
      const v = codec.parse(raw);
      if (v !== NOT_CONFORMING) values.add(codec.canonical(v));
      if (values.size > MAX_REFERENCE_VALUES)
        throw new ContractError(
          `reference ${source.name} has more than ${MAX_REFERENCE_VALUES} distinct values`,
        );
    }
  }
  return values;
}

async function loadSample(source: ByteSource, field: string, limits: ReaderLimits = {}): Promise<number[]> {
  const out: number[] = [];
  for await (const batch of (await openTable(source, limits)).batches) {
    let at = batch.columns.indexOf(field);
    if (at < 0 && batch.columns.length === 1) at = 0;
    if (at < 0) throw new ContractError(`reference sample ${source.name} has no column '${field}'`);
    for (const row of batch.rows) {
      const raw = row[at];
      const n =
        typeof raw === 'number'
          ? raw
          : typeof raw === 'bigint'
            ? Number(raw)
            : typeof raw === 'string'
              ? Number(raw)
              : NaN;
      if (Number.isFinite(n)) out.push(n);
      if (out.length >= MAX_SAMPLE_VALUES) break;
    }
    if (out.length >= MAX_SAMPLE_VALUES) break;
  }
  return out.sort((a, b) => a - b);
}

export async function runValidation(
  contract: OutputContract,
  source: ByteSource,
  deps: ValidationRunDeps,
): Promise<ValidationRun> {
  const run = await streamValidation(contract, source, deps, true);
  // A typed file is graded by the types it declares as well as by its values.
  const stored = await readStoredTypes(
    source,
    run.opened.format,
    [...contract.schema, ...(deps.consumerColumns ?? [])],
    deps.readerLimits,
  );
  return { ...run, report: run.state.finish(stored) };
}

/**
 * One part of a partitioned output: the mergeable state only. Reference samples (dataset rules)
 * are not loaded: the merge step, which makes the report, loads them once.
 */
export function runPartialValidation(
  contract: OutputContract,
  source: ByteSource,
  deps: ValidationRunDeps,
): Promise<StateRun> {
  return streamValidation(contract, source, deps, false);
}

async function streamValidation(
  contract: OutputContract,
  source: ByteSource,
  deps: ValidationRunDeps,
  samples: boolean,
): Promise<StateRun> {
  const { referenceSets, referenceSamples } = await loadRuleReferences(contract, deps, { samples });

  let sink: ByteSink | undefined;
  const lines = new FailedRowLines((block) => sink!.write(block));
  const onFailedRow = deps.quarantineSink
    ? (row: FailedRow): Promise<void> => {
        sink ??= deps.quarantineSink!();
        return lines.add(row);
      }
    : undefined;

  const opened = await openTable(source, {
    ...deps.readerLimits,
    formatHint: contract.format,
    csv: contract.csv,
    ...(contract.csv.header ? {} : { columns: contract.schema.map((c) => c.name) }),
  });
  const options: ValidateOptions = {
    ...(onFailedRow ? { onFailedRow } : {}),
    referenceSets,
    referenceSamples,
    ...(deps.now ? { now: deps.now } : {}),
  };
  try {
    const state = new ValidationState(contract, options);
    // Only the contract's columns are decoded where the format allows it (Parquet): the others
    // are known by name, which is all the schema grading needs of them. Plain ASCII strings stay
    // bytes: the engine decodes a cell only for a check that reads its text. The engine keeps
    // nothing of a batch but strings and numbers, so a CSV reader may reuse its buffers.
    const batches = opened.columnBatches(
      contract.schema.map((c) => c.name),
      { stringsAsText: true, reuseBatches: true },
    );
    for await (const batch of deps.partition
      ? withPartitionColumns(batches, deps.partition.values, deps.partition.key)
      : batches)
      await state.addColumns(batch);
    if (sink) {
      await lines.flush();
      await sink.close();
    }
    return { state, opened, quarantinedRows: lines.count };
  } catch (error) {
    await sink?.abort().catch(() => undefined);
    throw error;
  }
}
