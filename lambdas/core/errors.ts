/**
 * Typed errors of the core. Each `name` doubles as the Step Functions error name: a Lambda that
 * throws one reports it as its errorType, which the state machine's Retry and Catch match on.
 * Messages say what is wrong and what to do, because they reach people through alerts and the registry.
 */
export abstract class PrtError extends Error {
  abstract override readonly name: string;
}

/** A data contract is missing, unreadable or invalid. Fix the contract file. */
export class ContractError extends PrtError {
  override readonly name = 'ContractError';
  constructor(
    message: string,
    readonly source?: string,
  ) {
    super(source ? `${source}: ${message}` : message);
  }
}

/** Where in an input a FormatError was found; every part is optional, the more the better. */
export interface FormatErrorLocation {
  /** The object (s3:// URI or file path) the bytes came from. */
  readonly source?: string;
  readonly line?: number;
  /** Data row, 1-based, not counting a header row. */
  readonly row?: number;
  readonly byteOffset?: number;
  readonly column?: string;
}

/** The bytes of an output are not the format they claim to be, or are malformed. */
export class FormatError extends PrtError {
  override readonly name = 'FormatError';
  /** The message without the object name and location, for re-raising with more context. */
  readonly detail: string;
  constructor(
    message: string,
    readonly location?: FormatErrorLocation,
    options?: ErrorOptions,
  ) {
    // The object comes first in the parenthesis (a prefix would hide what went wrong behind a long
    // URI); a message that already names the object does not repeat it.
    const source = location?.source;
    const where = location
      ? [
          source !== undefined && !message.includes(source) ? source : '',
          location.line !== undefined ? `line ${location.line}` : '',
          location.row !== undefined ? `row ${location.row}` : '',
          location.byteOffset !== undefined ? `byte ${location.byteOffset}` : '',
          location.column !== undefined ? `column '${location.column}'` : '',
        ]
          .filter(Boolean)
          .join(', ')
      : '';
    super(`${message}${where ? ` (${where})` : ''}`, options);
    this.detail = message;
  }

  /** The same error naming the object it came from (unchanged when it already names one). */
  withSource(source: string): FormatError {
    if (this.location?.source !== undefined) return this;
    return new FormatError(this.detail, { ...this.location, source }, { cause: this });
  }
}

/** Stored bytes do not match what the store says about them (size, checksum, row counts). */
export class IntegrityError extends PrtError {
  override readonly name = 'IntegrityError';
}

/** A dependency (S3, DynamoDB) failed in a way that may pass on retry; the state machine retries it. */
export class TransientDependencyError extends PrtError {
  override readonly name = 'TransientDependencyError';
}

/** A required setting is missing or invalid at cold start. */
export class ConfigurationError extends PrtError {
  override readonly name = 'ConfigurationError';
}

/** The state machine handed a handler an input it does not understand. */
export class InvalidInputError extends PrtError {
  override readonly name = 'InvalidInputError';
}

/**
 * The test could not be completed: too much of the input was never validated (parts of a folder
 * whose validation failed after its retries, beyond the tolerated share). Says nothing about the
 * data, so the version ends in `error`, not `failed`; the partial report is still written.
 */
export class IncompleteTestError extends PrtError {
  override readonly name = 'IncompleteTestError';
}

/**
 * The function's time ran short before the test was done: it stopped while there was time left
 * to say so, instead of ending in a bare timeout. Says nothing about the data (the version ends
 * in `error`); the message gives how far it got, the rate, and what would let the object fit.
 */
export class TimeBudgetExceeded extends PrtError {
  override readonly name = 'TimeBudgetExceeded';
}

/**
 * A part of a partitioned output whose Hive-style folders (`date=2026-11-01/`) do not give the
 * partition columns its contract declares: a folder missing, misnamed or out of order, or a value
 * that is not of its column's type. Names the part's key. A finding about the data (the part is
 * reported, never read without its columns), like a FormatError.
 */
export class PartitionPathError extends PrtError {
  override readonly name = 'PartitionPathError';
  constructor(
    message: string,
    readonly key: string,
  ) {
    super(`${key}: ${message}`);
  }
}
