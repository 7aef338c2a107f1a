/**
 * Where the masking key comes from: a port, so the core never knows whether the key sits in
 * Secrets Manager, SSM Parameter Store or a test. The key is secret: it is held as bytes, never
 * logged, never written into a manifest (a manifest names the key's fingerprint only).
 */
import { createHash } from 'node:crypto';
import { PrtError } from '../errors';

export interface MaskingKeySource {
  /** The key's bytes (at least MIN_MASKING_KEY_BYTES). */
  key(): Promise<Uint8Array>;
}

/**
 * 32 bytes: HMAC-SHA256's own block of security. A shorter key makes pseudonyms guessable by
 * trying keys, which is the one thing the key is there to prevent.
 */
export const MIN_MASKING_KEY_BYTES = 32;

/** Masking cannot be done as asked (no key, a short key, a column type masking cannot keep). */
export class MaskingError extends PrtError {
  override readonly name = 'MaskingError';
}

/** Checks a key's length; the error never shows the key. */
export function checkMaskingKey(key: Uint8Array): Uint8Array {
  if (key.byteLength < MIN_MASKING_KEY_BYTES)
    throw new MaskingError(
      `the masking key has ${key.byteLength} bytes; it needs at least ${MIN_MASKING_KEY_BYTES}`,
    );
  return key;
}

/**
 * A fingerprint of the key for manifests: tells two stagings made with the same key apart from
 * two made with different keys (whose pseudonyms do not join), without revealing the key.
 */
export function maskingKeyFingerprint(key: Uint8Array): string {
  return createHash('sha256').update('prt-masking-key-fingerprint').update(key).digest('hex').slice(0, 16);
}
