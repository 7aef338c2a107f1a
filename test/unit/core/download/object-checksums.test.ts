import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';

import {
  CHECKSUM_ALGORITHMS,
  checksumOf,
  createChecksum,
  crc32c,
} from '../../../../lambdas/core/download/object-checksums';

const CHECK = Buffer.from('123456789');

describe('checksums S3 can store with an object', () => {
  it.each([
    ['CRC32', 'cbf43926'],
    ['CRC32C', 'e3069283'],
    ['CRC64NVME', 'ae8b14860a799888'],
  ] as const)('%s gives the standard check value for "123456789"', (algorithm, hex) => {
    // Act
    const digest = createChecksum(algorithm);
    digest.update(CHECK);

    // Assess
    expect(digest.digest().toString('hex')).toBe(hex);
  });

  it('encodes as S3 does: base64 of the big-endian digest', () => {
    // Act
    const values = [checksumOf('CRC32C', CHECK), checksumOf('SHA256', CHECK)];

    // Assess
    expect(values).toEqual([
      Buffer.from('e3069283', 'hex').toString('base64'),
      createHash('sha256').update(CHECK).digest('base64'),
    ]);
  });

  it('gives the same digest however the bytes are chunked', () => {
    // Act / Assess
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 2000 }),
        fc.array(fc.nat({ max: 2000 }), { maxLength: 6 }),
        fc.constantFrom(...CHECKSUM_ALGORITHMS, 'MD5' as const),
        (bytes, cuts, algorithm) => {
          const chunked = createChecksum(algorithm);
          let at = 0;
          for (const cut of [...cuts].sort((a, b) => a - b)) {
            chunked.update(bytes.subarray(at, Math.max(at, Math.min(cut, bytes.length))));
            at = Math.max(at, Math.min(cut, bytes.length));
          }
          chunked.update(bytes.subarray(at));
          expect(chunked.digest().toString('base64')).toBe(checksumOf(algorithm, bytes));
        },
      ),
    );
  });

  it('continues a CRC32C from a previous value', () => {
    // Act
    const whole = crc32c(CHECK);
    const continued = crc32c(CHECK.subarray(5), crc32c(CHECK.subarray(0, 5)));

    // Assess
    expect(continued).toBe(whole);
  });
});
