/**
 * What the report renderers take: a validation report, optionally with what the Validate step
 * stores beside it in S3 (the object, the format check, the quarantine URI, the time). A
 * `StoredReport` fits as it is, and so does a bare `ValidationReport` from `prt validate`.
 */
import type { ValidationReport } from '../validation/validation-report';

/**
 * What was validated. For a partitioned output it is the folder: its URI, the version Register gave
 * it (the completion marker's), the parts' total size and the marker's URI; no ETag (the marker's
 * is the empty object's MD5, the same for every folder).
 */
export interface ReportObject {
  readonly uri: string;
  readonly version?: string;
  readonly etag?: string;
  readonly size?: number;
  /** A partitioned output's completion marker (`…/_SUCCESS`). */
  readonly marker?: string;
}

export interface ReportFormatCheck {
  readonly expected?: string;
  readonly detected?: string;
  readonly compression?: string;
  readonly matches?: boolean;
}

export type ReportDocument = ValidationReport & {
  readonly object?: ReportObject;
  readonly format?: ReportFormatCheck;
  /** Where every failing row was written (JSON Lines); null when no row failed. */
  readonly quarantineUri?: string | null;
  /** ISO-8601 time of the validation. */
  readonly validatedAt?: string;
  /** A partitioned output's parts: how many were validated, and the first that could not be. */
  readonly parts?: {
    readonly total: number;
    readonly validated: number;
    readonly unreadable: number;
    readonly notValidated: number;
    readonly unreadableParts?: readonly { readonly part: string; readonly error: string }[];
  };
};
