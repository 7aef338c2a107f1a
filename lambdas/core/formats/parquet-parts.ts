/**
 * One Parquet file written as parts by several functions (a large object converted range by
 * range, decision 0012): each part is row groups only (createParquetPartWriter) with its row
 * groups' metadata, offsets counted from the part's first byte; the file is the magic, the parts in
 * order, and a tail (parquetTail) whose footer lists every part's row groups with their offsets
 * shifted by the bytes before the part. The parts' bytes are never rewritten, so they can be
 * joined where they lie (S3 UploadPartCopy).
 */
import type { ColumnSpec } from '../contracts/output-contract';
import { bufferSource, type ByteSource } from './byte-io';
import { ParquetFileEncoder, shiftRowGroup, type ChunkMeta, type RowGroupMeta } from './parquet-encoder';
import { codecOf, PARQUET_CREATED_BY, parquetElementOf } from './parquet-writer';
import type { ParquetCodec } from './table-io';

/** The bytes every Parquet file starts (and ends) with. */
export const PARQUET_MAGIC: Uint8Array = Uint8Array.from([0x50, 0x41, 0x52, 0x31]);

/** A row group's metadata as JSON: statistics' bytes in base64. */
export type RowGroupJson = Omit<RowGroupMeta, 'columns'> & {
  readonly columns: readonly (Omit<ChunkMeta, 'statistics' | 'offsetIndex' | 'dictionaryPageOffset'> & {
    readonly dictionaryPageOffset: number | null;
    readonly statistics: Omit<ChunkMeta['statistics'], 'min' | 'max'> & {
      readonly min?: string;
      readonly max?: string;
    };
  })[];
};

/** One part of a file: its size in bytes and its row groups, offsets from its first byte. */
export interface ParquetPart {
  readonly size: number;
  readonly rowGroups: readonly RowGroupJson[];
}

export function rowGroupsToJson(groups: readonly RowGroupMeta[]): RowGroupJson[] {
  return groups.map((g) => ({
    rows: g.rows,
    uncompressed: g.uncompressed,
    compressed: g.compressed,
    columns: g.columns.map((c) => {
      const { min, max, ...statistics } = c.statistics;
      return {
        type: c.type,
        encodings: c.encodings,
        name: c.name,
        numValues: c.numValues,
        uncompressed: c.uncompressed,
        compressed: c.compressed,
        fileOffset: c.fileOffset,
        dataPageOffset: c.dataPageOffset,
        dictionaryPageOffset: c.dictionaryPageOffset ?? null,
        dataEncoding: c.dataEncoding,
        pages: c.pages,
        statistics: {
          ...statistics,
          ...(min !== undefined ? { min: Buffer.from(min).toString('base64') } : {}),
          ...(max !== undefined ? { max: Buffer.from(max).toString('base64') } : {}),
        },
      };
    }),
  }));
}

function rowGroupFromJson(g: RowGroupJson): RowGroupMeta {
  return {
    rows: g.rows,
    uncompressed: g.uncompressed,
    compressed: g.compressed,
    columns: g.columns.map((c) => {
      const { min, max, ...statistics } = c.statistics;
      return {
        ...c,
        dictionaryPageOffset: c.dictionaryPageOffset ?? undefined,
        statistics: {
          ...statistics,
          ...(min !== undefined ? { min: Buffer.from(min, 'base64') } : {}),
          ...(max !== undefined ? { max: Buffer.from(max, 'base64') } : {}),
        },
      };
    }),
  };
}

/**
 * The end of the file made of PARQUET_MAGIC and `parts` in order: offset indexes, the footer
 * (every part's row groups, shifted by the bytes before the part), its length and the magic.
 * `schema` and `codec` are those the parts were written with.
 */
export function parquetTail(
  schema: readonly ColumnSpec[],
  codec: ParquetCodec,
  parts: readonly ParquetPart[],
): Uint8Array {
  const groups: RowGroupMeta[] = [];
  let at = PARQUET_MAGIC.byteLength;
  for (const part of parts) {
    for (const g of part.rowGroups) groups.push(shiftRowGroup(rowGroupFromJson(g), at));
    at += part.size;
  }
  const elements = [
    { name: 'schema', num_children: schema.length },
    ...schema.map((c) => parquetElementOf(c)),
  ];
  return ParquetFileEncoder.tail(elements, codecOf(codec), PARQUET_CREATED_BY, groups, at);
}

/**
 * One part read as a Parquet file of its own (the magic, the part, a tail of its row groups): a
 * range reads back what it wrote without the parts of the others.
 */
export function parquetPartSource(
  part: ByteSource,
  meta: ParquetPart,
  schema: readonly ColumnSpec[],
  codec: ParquetCodec,
): ByteSource {
  return concatSources(part.name, [
    bufferSource(PARQUET_MAGIC),
    part,
    bufferSource(parquetTail(schema, codec, [meta])),
  ]);
}

/** Sources read one after another as one, with ranged reads across their seams. */
export function concatSources(name: string, sources: readonly ByteSource[]): ByteSource {
  let sizes: Promise<number[]> | undefined;
  const sizesOf = (): Promise<number[]> => (sizes ??= Promise.all(sources.map((s) => s.size())));
  return {
    name,
    size: async () => (await sizesOf()).reduce((a, b) => a + b, 0),
    async *stream() {
      for (const s of sources) yield* s.stream();
    },
    async readRange(start, end) {
      const all = await sizesOf();
      const pieces: Uint8Array[] = [];
      let base = 0;
      for (const [k, s] of sources.entries()) {
        const size = all[k]!;
        const from = Math.max(start, base);
        const to = Math.min(end, base + size);
        if (to > from) pieces.push(await s.readRange(from - base, to - base));
        base += size;
      }
      return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
    },
  };
}
