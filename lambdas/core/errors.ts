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

/** The bytes of an output are not the format they claim to be, or are malformed. */
export class FormatError extends PrtError {
  override readonly name = 'FormatError';
  constructor(
    message: string,
    readonly location?: { readonly line?: number; readonly byteOffset?: number },
  ) {
    const where = location
      ? ` (${[
          location.line !== undefined ? `line ${location.line}` : '',
          location.byteOffset !== undefined ? `byte ${location.byteOffset}` : '',
        ]
          .filter(Boolean)
          .join(', ')})`
      : '';
    super(`${message}${where}`);
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
