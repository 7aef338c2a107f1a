/**
 * Proves that downloaded bytes are the object S3 describes: size always; the ETag when it is an MD5
 * (a single-part upload without SSE-KMS/SSE-C); the multipart ETag (MD5 of the parts' MD5s,
 * `-N` parts) recomputed with the upload's part size; and the object's SHA-256/SHA-1/CRC checksum
 * when it has one, whole-object or composite (a checksum of the parts' checksums, `-N`).
 *
 * A multipart ETag says how many parts there were, not how large: the part size comes from
 * HeadObject with PartNumber=1 when the endpoint supports it, else every common tool default that
 * yields the right part count is tried at once (one MD5 stream each, in the same pass). When the
 * part size was only guessed and no guess reproduces the ETag, the ETag is reported unverifiable
 * rather than wrong: a false alarm would teach people to ignore the check.
 */
import {
  CHECKSUM_ALGORITHMS,
  createChecksum,
  type ChecksumAlgorithm,
  type IncrementalHash,
} from './object-checksums';

export interface ObjectChecksum {
  readonly algorithm: ChecksumAlgorithm;
  /** Base64 digest, as S3 returns it (without the `-N` suffix). */
  readonly value: string;
  /** COMPOSITE: a checksum of the part checksums; FULL_OBJECT: of the whole object. */
  readonly type: 'FULL_OBJECT' | 'COMPOSITE';
  readonly parts?: number;
}

/** What HeadObject says about an object version. */
export interface ObjectInfo {
  readonly bucket: string;
  readonly key: string;
  readonly uri: string;
  readonly size: number;
  /** Without quotes. */
  readonly etag: string;
  readonly versionId: string | null;
  readonly lastModified?: string;
  readonly contentType?: string;
  readonly serverSideEncryption?: string;
  readonly checksum?: ObjectChecksum;
  /** Size of part 1 of a multipart upload, when the endpoint answers HeadObject PartNumber=1. */
  readonly partSize?: number;
}

export interface IntegrityOutcome {
  /** Checks that passed, e.g. `size`, `etag-md5`, `etag-multipart(7x8MiB)`, `sha256`. */
  readonly verified: readonly string[];
  /** Checks that could not be made, with the reason. */
  readonly unverifiable: readonly string[];
  /** Checks that failed: any entry means the bytes are not the object. */
  readonly problems: readonly string[];
}

const MIB = 1024 * 1024;
/** Part sizes of common uploaders: AWS CLI/boto3 8 MiB, SDK lib-storage 5 MiB, s3a 64 MiB, EMRFS 128 MiB... */
const COMMON_PART_SIZES = [5, 8, 10, 15, 16, 25, 32, 50, 64, 100, 128, 256, 512].map((m) => m * MIB);

export type EtagKind = 'md5' | 'multipart' | 'opaque';

export function etagKind(info: Pick<ObjectInfo, 'etag' | 'serverSideEncryption'>): {
  kind: EtagKind;
  parts: number;
} {
  // With SSE-KMS or SSE-C the ETag is not an MD5 of the data.
  if (info.serverSideEncryption && info.serverSideEncryption !== 'AES256')
    return { kind: 'opaque', parts: 0 };
  if (/^[0-9a-f]{32}$/i.test(info.etag)) return { kind: 'md5', parts: 1 };
  const m = /^[0-9a-f]{32}-(\d+)$/i.exec(info.etag);
  if (m) return { kind: 'multipart', parts: Number(m[1]) };
  return { kind: 'opaque', parts: 0 };
}

/** Part sizes to try for an upload of `parts` parts totalling `size` bytes. */
export function partSizeCandidates(size: number, parts: number, known?: number): number[] {
  if (known !== undefined && known > 0) return [known];
  if (parts <= 1) return [Math.max(size, 1)];
  const derived = [Math.ceil(size / parts), Math.ceil(size / parts / MIB) * MIB];
  return [...new Set([...COMMON_PART_SIZES, ...derived])].filter(
    (ps) => ps > 0 && Math.ceil(size / ps) === parts,
  );
}

/** Parses the checksum fields of a HeadObject response (ChecksumMode ENABLED). */
export function checksumFromHead(head: Readonly<Record<string, unknown>>): ObjectChecksum | undefined {
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const raw = head[`Checksum${algorithm}`];
    if (typeof raw !== 'string' || raw === '') continue;
    const m = /^(.*)-(\d+)$/.exec(raw);
    const type = head['ChecksumType'] === 'COMPOSITE' || m ? 'COMPOSITE' : 'FULL_OBJECT';
    return {
      algorithm,
      value: m ? m[1]! : raw,
      type,
      ...(m ? { parts: Number(m[2]) } : {}),
    };
  }
  return undefined;
}

/** Hashes of consecutive parts of one fixed size, fed by an arbitrary chunking of the stream. */
class PartHasher {
  private current: IncrementalHash;
  private inPart = 0;
  readonly digests: Buffer[] = [];

  constructor(
    readonly partSize: number,
    private readonly make: () => IncrementalHash,
  ) {
    this.current = make();
  }

  update(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(this.partSize - this.inPart, chunk.length - offset);
      this.current.update(chunk.subarray(offset, offset + take));
      this.inPart += take;
      offset += take;
      if (this.inPart === this.partSize) this.cut();
    }
  }

  private cut(): void {
    this.digests.push(this.current.digest());
    this.current = this.make();
    this.inPart = 0;
  }

  finish(): Buffer[] {
    if (this.inPart > 0 || this.digests.length === 0) this.cut();
    return this.digests;
  }
}

function mib(bytes: number): string {
  return bytes % MIB === 0 ? `${bytes / MIB}MiB` : `${bytes}B`;
}

/**
 * Feed the object's bytes in order with `update`, then `finish`. Also computes the MD5 of the whole
 * file, which the cache keeps to re-check a cached copy without S3.
 */
export class IntegrityVerifier {
  private size = 0;
  private readonly md5 = createChecksum('MD5');
  private readonly etag: { kind: EtagKind; parts: number };
  private readonly etagParts: PartHasher[] = [];
  private readonly checksumWhole: IncrementalHash | undefined;
  private readonly checksumParts: PartHasher[] = [];
  private readonly partSizes: number[];
  private localMd5: string | undefined;

  constructor(private readonly info: ObjectInfo) {
    this.etag = etagKind(info);
    const checksum = info.checksum;
    const parts = this.etag.kind === 'multipart' ? this.etag.parts : (checksum?.parts ?? 0);
    this.partSizes = parts > 1 ? partSizeCandidates(info.size, parts, info.partSize) : [];
    if (this.etag.kind === 'multipart') {
      for (const ps of this.partSizes) this.etagParts.push(new PartHasher(ps, () => createChecksum('MD5')));
    }
    if (checksum?.type === 'COMPOSITE') {
      const sizes = checksum.parts && checksum.parts > 1 ? this.partSizes : [Math.max(info.size, 1)];
      for (const ps of sizes)
        this.checksumParts.push(new PartHasher(ps, () => createChecksum(checksum.algorithm)));
    } else if (checksum) this.checksumWhole = createChecksum(checksum.algorithm);
  }

  update(chunk: Uint8Array): void {
    this.size += chunk.length;
    this.md5.update(chunk);
    for (const p of this.etagParts) p.update(chunk);
    for (const p of this.checksumParts) p.update(chunk);
    this.checksumWhole?.update(chunk);
  }

  /** MD5 (hex) of everything fed, available after `finish`. */
  get md5Hex(): string {
    if (this.localMd5 === undefined) throw new Error('IntegrityVerifier.finish() first');
    return this.localMd5;
  }

  finish(): IntegrityOutcome {
    const verified: string[] = [];
    const unverifiable: string[] = [];
    const problems: string[] = [];
    const info = this.info;
    this.localMd5 = this.md5.digest().toString('hex');

    if (this.size === info.size) verified.push('size');
    else problems.push(`size: ${this.size} bytes received, the object has ${info.size}`);

    if (this.etag.kind === 'md5') {
      if (this.localMd5 === info.etag.toLowerCase()) verified.push('etag-md5');
      else problems.push(`MD5 ${this.localMd5} does not match the ETag ${info.etag}`);
    } else if (this.etag.kind === 'multipart') {
      const wanted = info.etag.toLowerCase();
      const hit = this.etagParts.find((p) => {
        const digests = p.finish();
        const combined = createChecksum('MD5');
        for (const d of digests) combined.update(d);
        return `${combined.digest().toString('hex')}-${digests.length}` === wanted;
      });
      if (hit) verified.push(`etag-multipart(${this.etag.parts}x${mib(hit.partSize)})`);
      else if (info.partSize !== undefined) {
        problems.push(
          `the multipart ETag ${info.etag} does not match the bytes (${this.etag.parts} parts of ${mib(info.partSize)})`,
        );
      } else {
        unverifiable.push(
          `etag: multipart ETag ${info.etag}, part size unknown (tried ${this.partSizes.map(mib).join(', ') || 'none'})`,
        );
      }
    } else {
      unverifiable.push(
        info.serverSideEncryption && info.serverSideEncryption !== 'AES256'
          ? `etag: not an MD5 under ${info.serverSideEncryption} encryption`
          : `etag: ${info.etag || '(none)'} is not an MD5`,
      );
    }

    const checksum = info.checksum;
    if (checksum) {
      const label = checksum.algorithm.toLowerCase();
      if (this.checksumWhole) {
        const actual = this.checksumWhole.digest().toString('base64');
        if (actual === checksum.value) verified.push(label);
        else problems.push(`${checksum.algorithm} ${actual} does not match the object's ${checksum.value}`);
      } else {
        const hit = this.checksumParts.find((p) => {
          const digests = p.finish();
          const combined = createChecksum(checksum.algorithm);
          for (const d of digests) combined.update(d);
          return combined.digest().toString('base64') === checksum.value;
        });
        if (hit) verified.push(`${label}-composite`);
        else if (info.partSize !== undefined || !checksum.parts || checksum.parts <= 1) {
          problems.push(
            `the composite ${checksum.algorithm} ${checksum.value}-${checksum.parts ?? 1} does not match the bytes`,
          );
        } else unverifiable.push(`${label}: composite checksum, part size unknown`);
      }
    }
    return { verified, unverifiable, problems };
  }
}
