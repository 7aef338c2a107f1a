/**
 * The checksums S3 can store with an object (x-amz-checksum-*), computed incrementally so a
 * download is verified as it is read. MD5, SHA-1 and SHA-256 come from node:crypto and CRC32 from
 * zlib; CRC32C (Castagnoli) and CRC64NVME have no Node built-in, so they are table-driven here
 * (checked against the standard "123456789" check values in the unit tests). S3 encodes each as the
 * base64 of the big-endian digest bytes.
 */
import { createHash, type Hash } from 'node:crypto';
import { crc32 as zlibCrc32 } from 'node:zlib';

export const CHECKSUM_ALGORITHMS = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

export interface IncrementalHash {
  update(bytes: Uint8Array): void;
  /** The digest bytes (big-endian for CRCs). Call once. */
  digest(): Buffer;
}

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32C (Castagnoli, reflected 0x82F63B78), continuing from `previous`. */
export function crc32c(bytes: Uint8Array, previous = 0): number {
  let crc = ~previous >>> 0;
  for (let i = 0; i < bytes.length; i++) crc = CRC32C_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

// CRC-64/NVME: reflected polynomial 0x9A6C9329AC4BC9B5, init and xorout all ones. The 64-bit state
// is kept as two 32-bit halves: BigInt arithmetic per byte would be ~50x slower.
const CRC64_HI = new Uint32Array(256);
const CRC64_LO = new Uint32Array(256);
(() => {
  const poly = 0x9a6c9329ac4bc9b5n;
  for (let n = 0; n < 256; n++) {
    let c = BigInt(n);
    for (let k = 0; k < 8; k++) c = c & 1n ? poly ^ (c >> 1n) : c >> 1n;
    CRC64_HI[n] = Number(c >> 32n);
    CRC64_LO[n] = Number(c & 0xffffffffn);
  }
})();

class Crc64Nvme implements IncrementalHash {
  private hi = 0xffffffff;
  private lo = 0xffffffff;
  update(bytes: Uint8Array): void {
    let hi = this.hi;
    let lo = this.lo;
    for (let i = 0; i < bytes.length; i++) {
      const index = (lo ^ bytes[i]!) & 0xff;
      const nextLo = ((lo >>> 8) | (hi << 24)) >>> 0;
      const nextHi = hi >>> 8;
      lo = (nextLo ^ CRC64_LO[index]!) >>> 0;
      hi = (nextHi ^ CRC64_HI[index]!) >>> 0;
    }
    this.hi = hi;
    this.lo = lo;
  }
  digest(): Buffer {
    const out = Buffer.alloc(8);
    out.writeUInt32BE(~this.hi >>> 0, 0);
    out.writeUInt32BE(~this.lo >>> 0, 4);
    return out;
  }
}

class Crc32Family implements IncrementalHash {
  private value = 0;
  constructor(private readonly step: (bytes: Uint8Array, previous: number) => number) {}
  update(bytes: Uint8Array): void {
    this.value = this.step(bytes, this.value);
  }
  digest(): Buffer {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(this.value >>> 0, 0);
    return out;
  }
}

class NodeHash implements IncrementalHash {
  private readonly hash: Hash;
  constructor(algorithm: string) {
    this.hash = createHash(algorithm);
  }
  update(bytes: Uint8Array): void {
    this.hash.update(bytes);
  }
  digest(): Buffer {
    return this.hash.digest();
  }
}

export function createChecksum(algorithm: ChecksumAlgorithm | 'MD5'): IncrementalHash {
  switch (algorithm) {
    case 'MD5':
      return new NodeHash('md5');
    case 'SHA1':
      return new NodeHash('sha1');
    case 'SHA256':
      return new NodeHash('sha256');
    case 'CRC32':
      return new Crc32Family((bytes, previous) => zlibCrc32(bytes, previous));
    case 'CRC32C':
      return new Crc32Family(crc32c);
    case 'CRC64NVME':
      return new Crc64Nvme();
  }
}

/** The checksum of `bytes`, base64-encoded as S3 reports it. */
export function checksumOf(algorithm: ChecksumAlgorithm | 'MD5', bytes: Uint8Array): string {
  const hash = createChecksum(algorithm);
  hash.update(bytes);
  return hash.digest().toString('base64');
}
