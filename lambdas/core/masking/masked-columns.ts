/**
 * Which columns of a contract are masked when an output is staged: those marked `pii: true`, and
 * those classified `confidential` or `restricted`. A column masking cannot keep the type of (a
 * date, a float...) fails the staging with its name instead of being copied as it is: a personal
 * value must never leave unmasked because its type was unexpected.
 */
import type { Classification, ColumnSpec, OutputContract } from '../contracts/output-contract';
import { MaskingError } from './masking-key';
import { MASKABLE_TYPES } from './pseudonymize';

const MASKED_CLASSIFICATIONS: readonly Classification[] = ['confidential', 'restricted'];

export function isMaskedColumn(column: ColumnSpec): boolean {
  return (
    column.pii === true ||
    (column.classification !== undefined && MASKED_CLASSIFICATIONS.includes(column.classification))
  );
}

/** The contract's masked columns, checked to be of a type masking keeps. */
export function maskedColumns(contract: OutputContract): ColumnSpec[] {
  const masked = contract.schema.filter(isMaskedColumn);
  const unmaskable = masked.filter((c) => !MASKABLE_TYPES.includes(c.type));
  if (unmaskable.length > 0)
    throw new MaskingError(
      `${contract.pipeline}/${contract.step}/${contract.output}: ${unmaskable
        .map((c) => `${c.name} (${c.type})`)
        .join(
          ', ',
        )} marked personal but masking keeps ${MASKABLE_TYPES.join(', ')} values only; drop the column from the staged copy's contract or change its type`,
    );
  return masked;
}
