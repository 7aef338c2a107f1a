/** Errors of the registry's read and write paths; each says what to do next. */
import { PrtError } from '../errors';
import type { TestStatus } from './status-transitions';

/** The object version (or logical output) the caller named is not in the registry. */
export class NotRegisteredError extends PrtError {
  override readonly name = 'NotRegisteredError';
}

/** A status write that would move a version backwards or out of a final status. */
export class StatusTransitionError extends PrtError {
  override readonly name = 'StatusTransitionError';
  constructor(
    readonly uri: string,
    readonly from: TestStatus,
    readonly to: TestStatus,
  ) {
    super(
      `${uri} is ${from}; it cannot become ${to} (a tested status is final for its version: write a new version of the object to test it again)`,
    );
  }
}

/** Other writers kept changing the item; the caller may retry the whole operation later. */
export class ConcurrentUpdateError extends PrtError {
  override readonly name = 'ConcurrentUpdateError';
}

/** A pagination cursor that is corrupt or belongs to a different query. */
export class InvalidCursorError extends PrtError {
  override readonly name = 'InvalidCursorError';
  constructor(detail: string) {
    super(`invalid cursor (${detail}); start again without a cursor`);
  }
}

/** A logical output name that is not `pipeline/step/output` (or `step/output` within a pipeline). */
export class OutputNameError extends PrtError {
  override readonly name = 'OutputNameError';
}
