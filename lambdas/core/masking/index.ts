// The public face of masking: keyed, format-keeping pseudonyms for the columns a contract marks personal.
export { isMaskedColumn, maskedColumns } from './masked-columns';
export { checkMaskingKey, maskingKeyFingerprint, MaskingError, MIN_MASKING_KEY_BYTES } from './masking-key';
export type { MaskingKeySource } from './masking-key';
export { MASKABLE_TYPES, Pseudonymizer } from './pseudonymize';
