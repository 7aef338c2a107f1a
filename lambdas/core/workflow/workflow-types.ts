/**
 * The values the state machine carries between steps (see statemachines/output-testing.asl.json).
 * Each step's input is a slice of the execution state; its result lands under one ResultPath.
 */
import type { DataFormat } from '../contracts/output-contract';
import type { Compression, DetectedFormat } from '../formats/detect-format';
import type { ValidationStatus } from '../validation/validation-report';

/** The arriving object version, fixed by the first Pass state. */
export interface ObjectRef {
  readonly bucket: string;
  readonly key: string;
  readonly etag: string;
  readonly size: number;
  readonly versionId: string | null;
  readonly eventTime: string;
  readonly eventId: string;
  /** S3's ordering token of the event (the same in every duplicate delivery of it). */
  readonly sequencer?: string;
  readonly uri: string;
  readonly pk: string;
  readonly sk: string;
}

/** What Register resolved the key to. */
export interface RegisteredOutput {
  readonly pipeline: string;
  readonly step: string;
  readonly output: string;
  readonly runId: string | null;
  readonly contractKey: string;
  readonly format: DataFormat;
  readonly convertTo: DataFormat | null;
  readonly jobType: string | null;
  /**
   * A gated output's `publish.to` (write-audit-publish): its tested version goes to the Publish
   * step. Absent when the contract is not gated.
   */
  readonly publishTo?: string;
}

export interface RegisterResult {
  readonly tracked: boolean;
  readonly duplicate: boolean;
  /** A part file of a partitioned output: it is tested with the others when the marker arrives. */
  readonly partOfDataset: boolean;
  readonly output: RegisteredOutput | null;
}

/** Register's answer for a completion marker: the folder it completes, as one output version. */
export interface RegisterDatasetResult {
  readonly tracked: boolean;
  readonly duplicate: boolean;
  readonly output: RegisteredOutput | null;
  readonly dataset: ObjectRef | null;
}

export interface InspectResult {
  readonly format: DetectedFormat;
  readonly compression: Compression;
  readonly size: number;
  readonly etag: string;
  readonly versionId: string | null;
  readonly formatMatches: boolean;
  /**
   * The format the key's extension names, when it names one (`.csv`, `.parquet.gz`...). Its content
   * decides how the object is read; a different extension is reported (rule `file_extension`), as
   * it misleads whoever reads the key. Optional: payloads of executions started before it existed.
   */
  readonly extensionFormat?: DetectedFormat | null;
}

export interface ValidateResult {
  readonly status: ValidationStatus;
  readonly rowCount: number;
  readonly failedRules: readonly string[];
  readonly reportUri: string;
  readonly quarantineUri: string | null;
  readonly summary: string;
  /** A partitioned output's converted folder, published by the merge (convert-parts.ts). */
  readonly conversion?: ConversionOutcome;
  /**
   * The contract's rules the report evaluated and how many of them passed: the output's quality
   * score (passed / checked) on the dashboard. Optional: results made before it was counted.
   */
  readonly rules?: RuleTally;
}

export interface RuleTally {
  readonly checked: number;
  readonly passed: number;
}

export interface ConvertResult {
  readonly uri: string;
  readonly versionId: string | null;
  readonly etag: string;
  readonly size: number;
  readonly format: DataFormat;
  readonly rowsIn: number;
  readonly rowsOut: number;
  readonly equivalent: boolean;
  readonly checksums: Readonly<Record<string, string>>;
}

export interface RegisterInput {
  readonly object: ObjectRef;
  /**
   * The execution registering it: the entry's writer token, so a retry of this execution's own
   * Register (after an answer was lost) finds its entry and carries on instead of taking itself for
   * a duplicate delivery.
   */
  readonly execution?: string;
}
export interface InspectInput {
  readonly object: ObjectRef;
  readonly output: RegisteredOutput;
}
export interface ValidateInput extends InspectInput {
  readonly inspection: InspectResult;
}
export type ConvertInput = ValidateInput;
/** The Convert step's result as the state machine records it: converted, or skipped. */
export type ConversionOutcome =
  ({ readonly converted: true } & ConvertResult) | { readonly converted: false };

export interface LineageInput extends InspectInput {
  readonly conversion: ConversionOutcome;
}
