/**
 * A generation request that cannot be met: an impossible combination of constraints (unique
 * values from an allowed set smaller than the row count, min > max, a pattern that matches
 * nothing), a bad option (negative row count, an image of 0 pixels) or a violation that cannot
 * break its rule alone. Raised before anything is written; the message names the column (or
 * option) and the conflict, so the contract or the command can be fixed.
 */
import { PrtError } from '../errors';

export class GenerationError extends PrtError {
  override readonly name = 'GenerationError';
  constructor(
    message: string,
    /** The column (or option) the conflict is about, when there is one. */
    readonly subject?: string,
  ) {
    super(subject ? `${subject}: ${message}` : message);
  }
}
