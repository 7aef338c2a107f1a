/**
 * The grade of one edge of a pipeline: a producer's columns (its contract, or what a landed object
 * showed) read by one consuming step, as that step declared it reads them, or as the producer's
 * whole contract when it declared nothing. The grading is diff's (gradeColumns), so `contract
 * check`, `contract diff` and the runtime check cannot disagree about the same columns.
 */
import { gradeColumns, levelRank, type ColumnChange, type ValueFit } from './contract-diff';
import {
  expectationOf,
  logicalName,
  type AcceptedInputLevel,
  type ColumnSpec,
  type CompatibilityLevel,
  type InputExpectation,
  type OutputContract,
} from './output-contract';

export interface EdgeGrade {
  /** Logical name of the output read. */
  readonly producer: string;
  /** Logical name of the consuming step's output. */
  readonly consumer: string;
  /** Columns the consumer declared it reads; absent when it reads the producer's whole contract. */
  readonly reads?: readonly string[];
  readonly level: CompatibilityLevel;
  readonly accepts: AcceptedInputLevel;
  readonly onBreak: InputExpectation['onBreak'];
  /** The level is below what the consumer accepts. */
  readonly breaks: boolean;
  readonly changes: readonly ColumnChange[];
}

/** A contract that names `output` among its inputs, with what it expects of it. */
export interface Consumer {
  readonly contract: OutputContract;
  readonly expectation: InputExpectation;
}

/** The contracts among `contracts` that read `output` (a logical name), in the order given. */
export function consumersOf(output: string, contracts: Iterable<OutputContract>): Consumer[] {
  const found: Consumer[] = [];
  for (const contract of contracts) {
    const expectation = expectationOf(contract, output);
    if (expectation) found.push({ contract, expectation });
  }
  return found;
}

export interface EdgeColumns {
  /** Logical name of the producer's output. */
  readonly producer: string;
  /** The producer's columns as graded: its contract's, or the ones a landed object showed. */
  readonly columns: readonly ColumnSpec[];
  /**
   * The producer's contract a consumer of the whole contract was written against: the same
   * contract statically, the old one in a diff, the producer's contract at runtime.
   */
  readonly baseline: readonly ColumnSpec[];
  /** Columns present in the data that the producer's contract does not type. */
  readonly untyped?: ReadonlySet<string>;
  /** A landed typed file: how its values fit the narrower types a consumer reads (by column). */
  readonly fits?: ReadonlyMap<string, readonly ValueFit[]>;
}

export function gradeEdge(producer: EdgeColumns, consumer: Consumer): EdgeGrade {
  const { expectation } = consumer;
  const name = logicalName(consumer.contract);
  const reader = `${consumer.contract.step}/${consumer.contract.output}`;
  const grade = expectation.columns
    ? gradeColumns(producer.columns, expectation.columns, {
        missingNullable: 'incompatible',
        constraints: true,
        reader,
        ...(producer.untyped ? { untyped: producer.untyped } : {}),
        ...(producer.fits ? { fits: producer.fits } : {}),
      })
    : gradeColumns(producer.columns, producer.baseline, {
        missingNullable: 'convertible',
        constraints: false,
        reader: 'readers',
        ...(producer.untyped ? { untyped: producer.untyped } : {}),
        ...(producer.fits ? { fits: producer.fits } : {}),
      });
  return {
    producer: producer.producer,
    consumer: name,
    ...(expectation.columns ? { reads: expectation.columns.map((c) => c.name) } : {}),
    level: grade.level,
    accepts: expectation.accepts,
    onBreak: expectation.onBreak,
    breaks: levelRank(grade.level) > levelRank(expectation.accepts),
    changes: grade.changes,
  };
}

/** One edge in a line a person reads: `p/b/out reads it convertible (accepts compatible) BROKEN (fail): why`. */
export function recordedEdgeLine(edge: EdgeGrade): string {
  const deciding = edge.changes.filter((c) => c.level === edge.level && c.level !== 'strict');
  const why =
    deciding.length === 0
      ? 'reads it as declared'
      : deciding.map((c) => `${c.column}: ${c.change}${c.castPlan ? ` (${c.castPlan})` : ''}`).join('; ');
  return `${edge.consumer} grades it ${edge.level} (accepts ${edge.accepts})${edge.breaks ? ` BROKEN (${edge.onBreak})` : ''}: ${why}`;
}
