/**
 * Per-column checksums over canonical values: the evidence that a conversion changed nothing.
 * Both sides of a conversion are typed by the same column codecs and hashed by their canonical
 * values, so equal data gives equal digests whatever the file format.
 *
 * A number or timestamp column's hash covers each value's bytes (value-bytes.ts: equal bytes
 * exactly when the canonical texts are equal, without a text per value); any other column's
 * covers each value's canonical text followed by a unit separator (U+001F). Rows (addRow) and column batches
 * (addColumns) hash the same bytes, so either gives the same digest; a batch hashes a column's
 * bytes, or its texts joined into one string, with one update, since an update per cell costs
 * more than the hashing itself. Digests are compared within one conversion only (input against
 * read-back), never stored, so how a column is hashed may change between versions.
 *
 * Blocks and a tree, so that ranges of one object can each hash their rows and the shares merge
 * into the digest of one pass (a large object converted range by range, decision 0012): a
 * column's bytes are cut into blocks of BLOCK_ROWS rows at fixed positions from the table's first
 * row, each block is a leaf (SHA-256 of 0x00 and its bytes) and the leaves form the Merkle tree of
 * RFC 6962 (a node is SHA-256 of 0x01 and its two children; a table of n leaves is the perfect
 * tree of the largest power of two below n joined with the tree of the rest). A range that knows
 * its first row hashes the whole blocks it holds into the tree's aligned subtrees (a few per
 * range) and keeps the bytes of the blocks cut by its edges (under BLOCK_ROWS rows each); the
 * merge hashes those edge blocks and joins the subtrees in order (mergeDigestShares). Block
 * positions do not depend on batches or ranges, so every split gives the same digest. A chained
 * SHA-256 over the whole column cannot be split: its state cannot be resumed by another function.
 */
import { isUtf8 } from 'node:buffer';
import { createHash, hash, type Hash } from 'node:crypto';
import type { ColumnSpec } from '../contracts/output-contract';
import { columnCodec, type ColumnCodec, type TypedValue } from '../contracts/typed-values';
import { TEXT_ESCAPED, TEXT_NULL, type TextVector } from '../formats/column-batch';
import {
  typedValueAt,
  type DictionaryColumn,
  type TypedColumn,
  type Utf8Column,
} from '../formats/typed-column';
import { ValueBytes, valueDomain, type ValueBytesColumn, type ValueDomain } from './value-bytes';

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Precedes code-unit hashing; well-formed text would have to imitate it byte for byte. */
const LONE_MARK = '\u0000utf-16:';
const SEPARATOR = '\u001f';
/** The canonical text of a null, whatever the column's type. */
const NULL_TEXT = columnCodec({ name: '', type: 'string', nullable: true }).canonical(null);
/** A null's canonical text and its separator, as hashed. */
const NULL_ENTRY = Buffer.from(NULL_TEXT + SEPARATOR, 'utf8');

/**
 * Rows per block: a range hands on the bytes of at most two partial blocks per column (its head
 * and its tail), so this bounds a range's share; a block is also one SHA-256 finish per column,
 * which at 1,024 rows costs under a microsecond per thousand rows.
 */
export const BLOCK_ROWS = 1024;

const LEAF = Buffer.from([0]);

/**
 * What the digest hashes a column from: its typed values, a plain string column's UTF-8 bytes
 * (a Utf8Column, hashed as the texts those bytes decode to: a text's UTF-8 bytes and its
 * separator, without a string per cell; utf8ColumnOf makes one only where the bytes are those
 * texts' UTF-8 encoding), or a number column's value bytes already made (a ValueBytesColumn,
 * hashed as they are: the bytes addColumn would make for its values).
 */
export type DigestColumn = TypedColumn | ValueBytesColumn;
export type { Utf8Column };

/**
 * Rows [0, length) of a text vector as a Utf8Column when its cells decode to texts whose UTF-8
 * bytes are the cells' own bytes: no cell has escapes to undo, the bytes the cells span are valid
 * UTF-8 (so no cell decodes to U+FFFD for a bad byte, and none holds a surrogate), and no cell
 * starts or ends inside a character (each cell is then valid UTF-8 by itself). Null otherwise.
 */
export function utf8ColumnOf(v: TextVector, length: number): Utf8Column | null {
  const { bytes, start, end, flags } = v;
  let lo = Infinity;
  let hi = -Infinity;
  for (let r = 0; r < length; r++) {
    const f = flags[r]!;
    if ((f & TEXT_NULL) !== 0) continue;
    if ((f & TEXT_ESCAPED) !== 0) return null;
    const s = start[r]!;
    const e = end[r]!;
    if (s === e) continue;
    // A continuation byte (10xxxxxx) where a cell starts, or right after it ends, splits a character.
    if ((bytes[s]! & 0xc0) === 0x80 || (e < bytes.length && (bytes[e]! & 0xc0) === 0x80)) return null;
    if (s < lo) lo = s;
    if (e > hi) hi = e;
  }
  if (hi > lo && !isUtf8(bytes.subarray(lo, hi))) return null;
  return { kind: 'utf8', bytes, start, end, flags };
}

/** Where a column's hashed bytes go: a hash, or a hash and a copy of the bytes. */
interface ByteSinkLike {
  update(data: string | Uint8Array): ByteSinkLike;
}

/**
 * Bytes a block gathers before it is hashed in one call; past them it streams into a hash object
 * (a block of long texts), so a block never holds more than this plus one update.
 */
const BLOCK_BUFFER_BYTES = 256 * 1024;

/**
 * The bytes of one block of one column, gathered in one buffer behind the leaf's 0x00 and hashed
 * with one call when the block closes: a hash object per block and column (create, update,
 * digest) cost more than hashing a block's few kilobytes. A block past BLOCK_BUFFER_BYTES streams
 * into a hash object instead. A range keeps every block's bytes (its edge blocks go to the
 * merge). One BlockBytes serves a column's blocks one after another (reset), so its buffer is
 * allocated once, not once per block.
 */
class BlockBytes implements ByteSinkLike {
  private buf = Buffer.allocUnsafe(BLOCK_START_BYTES);
  /** Bytes in buf, from 0 (the leaf's 0x00 while it is there). */
  private n = 1;
  /** Where the block's own bytes start in buf: after the 0x00, until a spill moved it on. */
  private from = 1;
  /** The hash the block streams into once it outgrew its buffer (a hashed block only). */
  private stream: Hash | null = null;
  private kept: Buffer[] = [];

  constructor(
    private hashed: boolean,
    private readonly keep: boolean,
  ) {
    this.buf[0] = 0;
  }

  /** Starts the next block. */
  reset(hashed: boolean): void {
    this.hashed = hashed;
    this.buf[0] = 0;
    this.n = 1;
    this.from = 1;
    this.stream = null;
    this.kept = [];
  }

  update(data: string | Uint8Array): this {
    if (typeof data === 'string') {
      // UTF-8 takes at most 3 bytes per UTF-16 code unit.
      if (data.length * 3 > BLOCK_BUFFER_BYTES) return this.spill(Buffer.from(data, 'utf8'));
      this.ensure(data.length * 3);
      this.n += this.buf.write(data, this.n, 'utf8');
    } else {
      if (data.length > BLOCK_BUFFER_BYTES) return this.spill(data);
      this.ensure(data.length);
      this.buf.set(data, this.n);
      this.n += data.length;
    }
    return this.n > BLOCK_BUFFER_BYTES ? this.spill(null) : this;
  }

  private ensure(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.n + k));
    this.buf.copy(grown, 0, 0, this.n);
    this.buf = grown;
  }

  /** Moves the gathered bytes, then `data`, out of the buffer: into the stream and the kept copies. */
  private spill(data: Uint8Array | null): this {
    if (this.hashed) {
      this.stream ??= createHash('sha256');
      this.stream.update(this.buf.subarray(0, this.n));
      if (data !== null) this.stream.update(data);
    }
    if (this.keep) {
      this.kept.push(Buffer.from(this.buf.subarray(this.from, this.n)));
      if (data !== null) this.kept.push(Buffer.from(data));
    }
    this.n = 0;
    this.from = 0;
    return this;
  }

  leaf(): Buffer {
    if (!this.hashed) throw new Error('a head block of a range has no leaf hash');
    const rest = this.buf.subarray(0, this.n);
    return this.stream !== null ? this.stream.update(rest).digest() : hash('sha256', rest, 'buffer');
  }

  /** A copy of the block's bytes (a range's blocks only). */
  bytes(): Buffer {
    if (!this.keep) throw new Error("a whole table's digest keeps no block bytes");
    return Buffer.concat([...this.kept, this.buf.subarray(this.from, this.n)]);
  }
}

/** A block buffer's first size: a block of 1,024 values of up to 9 bytes each, and its 0x00. */
const BLOCK_START_BYTES = 16 * 1024;

/** SHA-256 of 0x01 and two child hashes: an inner node of the tree, in one call. */
function nodeHash(left: Buffer, right: Buffer): Buffer {
  NODE_INPUT.set(left, 1);
  NODE_INPUT.set(right, 33);
  return hash('sha256', NODE_INPUT, 'buffer');
}

const NODE_INPUT = Buffer.alloc(65, 1);

/** An aligned subtree of the block tree: leaves [start, start + 2^level). */
export interface DigestNode {
  readonly start: number;
  readonly level: number;
  /** SHA-256, hex. */
  readonly hash: string;
}

/**
 * The tree's right edge while leaves arrive in order: aligned subtrees of decreasing size, joined
 * as soon as two are siblings (a binary counter). Subtrees from several ranges join the same way.
 */
class TreeEdge {
  readonly nodes: { start: number; level: number; hash: Buffer }[] = [];

  push(start: number, level: number, hash: Buffer): void {
    for (;;) {
      const top = this.nodes.at(-1);
      const size = 2 ** level;
      if (
        top === undefined ||
        top.level !== level ||
        top.start + size !== start ||
        top.start % (2 * size) !== 0
      )
        break;
      this.nodes.pop();
      hash = nodeHash(top.hash, hash);
      start = top.start;
      level++;
    }
    this.nodes.push({ start, level, hash });
  }

  /** The root: the subtrees folded from the right (RFC 6962's shape); SHA-256 of nothing when empty. */
  root(): string {
    if (this.nodes.length === 0) return createHash('sha256').digest('hex');
    let acc = this.nodes.at(-1)!.hash;
    for (let k = this.nodes.length - 2; k >= 0; k--) acc = nodeHash(this.nodes[k]!.hash, acc);
    return acc.toString('hex');
  }
}

/**
 * One range's part of a table's digest (TableDigest in range mode): per column, the bytes of the
 * rows before its first block boundary (`head`), the whole blocks it holds as aligned subtrees
 * (`nodes`) and the bytes after its last boundary (`tail`). Rows that reach no boundary are all
 * in `head`. Bytes are base64 so that a share is JSON.
 */
export interface DigestShare {
  readonly firstRow: number;
  readonly rows: number;
  readonly blockRows: number;
  readonly columns: readonly {
    readonly name: string;
    readonly head: string;
    readonly nodes: readonly DigestNode[];
    readonly tail: string;
  }[];
}

export interface TableDigestOptions {
  /**
   * The row of the table this digest's first row is (0 for a whole table). A digest of a range
   * gives a share (share()) instead of a digest.
   */
  readonly firstRow?: number;
  readonly range?: boolean;
}

export class TableDigest {
  private readonly codecs: ColumnCodec[];
  private readonly values = new ValueBytes();
  /** Per column, the domain it is hashed by value in, or null when it is hashed by text. */
  private readonly domains: (ValueDomain | null)[];
  /** Per column, the last dictionary hashed and its entries' bytes (a row group's batches share one). */
  private readonly dictionaries: ({ texts: readonly string[]; entries: Buffer[] } | null)[];
  private scratch: Buffer | null = null;
  private readonly firstRow: number;
  private readonly range: boolean;
  /** Per column, the block being filled. */
  private readonly blocks: BlockBytes[];
  private readonly trees: TreeEdge[];
  /** Per column, the bytes of a range's first, partial block, once it is complete. */
  private heads: Buffer[] | null = null;
  rows = 0;

  constructor(
    private readonly schema: readonly ColumnSpec[],
    options: TableDigestOptions = {},
  ) {
    this.codecs = schema.map(columnCodec);
    this.domains = schema.map(valueDomain);
    this.dictionaries = schema.map(() => null);
    this.firstRow = options.firstRow ?? 0;
    this.range = options.range ?? false;
    if (!Number.isSafeInteger(this.firstRow) || this.firstRow < 0)
      throw new RangeError(`a digest's first row must be a whole number, got ${this.firstRow}`);
    this.trees = schema.map(() => new TreeEdge());
    const hashed = this.nextHashed();
    this.blocks = schema.map(() => new BlockBytes(hashed, this.range));
  }

  /**
   * Whether the block starting now is hashed: a range's block before its first boundary is only
   * kept (the merge hashes it whole).
   */
  private nextHashed(): boolean {
    const at = this.firstRow + this.rows;
    return !(this.range && this.heads === null && at % BLOCK_ROWS !== 0);
  }

  private nextBlocks(): void {
    const hashed = this.nextHashed();
    for (const b of this.blocks) b.reset(hashed);
  }

  /** Ends the current block at a boundary: a leaf of the tree, or a range's head. */
  private closeBlock(): void {
    const start = this.firstRow + this.rows - BLOCK_ROWS;
    if (this.range && this.heads === null && start < this.firstRow) {
      this.heads = this.blocks.map((b) => b.bytes());
    } else {
      if (this.range && this.heads === null) this.heads = this.schema.map(() => Buffer.alloc(0));
      const leaf = start / BLOCK_ROWS;
      this.blocks.forEach((b, i) => this.trees[i]!.push(leaf, 0, b.leaf()));
    }
    this.nextBlocks();
  }

  /** Rows left in the current block. */
  private get roomInBlock(): number {
    return BLOCK_ROWS - ((this.firstRow + this.rows) % BLOCK_ROWS);
  }

  addRow(values: readonly TypedValue[]): void {
    for (let i = 0; i < this.schema.length; i++) {
      const sink = this.blocks[i]!;
      const domain = this.domains[i]!;
      if (domain !== null) {
        this.values.n = 0;
        this.values.add(domain, this.codecs[i]!, values[i] ?? null);
        sink.update(this.values.view());
      } else hashText(sink, this.codecs[i]!.canonical(values[i] ?? null));
    }
    this.rows++;
    if (this.roomInBlock === BLOCK_ROWS) this.closeBlock();
  }

  /** Rows [0, length) of typed columns (one per schema column, in schema order). */
  addColumns(columns: readonly DigestColumn[], length: number): void {
    for (let from = 0; from < length;) {
      const n = Math.min(length - from, this.roomInBlock);
      const slice = from === 0 && n === length ? columns : columns.map((c) => sliceColumn(c, from, from + n));
      this.addBlockRows(slice, n);
      this.rows += n;
      from += n;
      if (this.roomInBlock === BLOCK_ROWS) this.closeBlock();
    }
  }

  /** Rows [0, length) of typed columns, all within the current block. */
  private addBlockRows(columns: readonly DigestColumn[], length: number): void {
    for (let i = 0; i < this.schema.length; i++) {
      const column = columns[i]!;
      const h = this.blocks[i]!;
      if (column.kind === 'utf8') {
        this.hashUtf8(h, column, length);
        continue;
      }
      if (column.kind === 'valueBytes') {
        h.update(column.bytes.subarray(column.offsets[0], column.offsets[length]));
        continue;
      }
      const domain = this.domains[i]!;
      if (domain !== null) {
        this.values.n = 0;
        this.values.addColumn(domain, this.codecs[i]!, column, this.schema[i]!, length);
        h.update(this.values.view());
        continue;
      }
      if (column.kind === 'dictionary') {
        this.hashDictionary(h, i, column, length);
        continue;
      }
      hashTexts(h, canonicalTexts(column, this.schema[i]!, this.codecs[i]!, length), length);
    }
  }

  /**
   * Rows [0, length) of a dictionary column: each distinct text's bytes (what hashText would hash
   * for it) are made once, then copied per row into one buffer hashed with one update per 64 KiB.
   */
  private hashDictionary(h: ByteSinkLike, i: number, column: DictionaryColumn, length: number): void {
    let cached = this.dictionaries[i]!;
    if (cached === null || cached.texts !== column.dictionary) {
      const codec = this.codecs[i]!;
      cached = {
        texts: column.dictionary,
        entries: column.dictionary.map((t) => entryBytes(codec.canonical(t))),
      };
      this.dictionaries[i] = cached;
    }
    const entries = cached.entries;
    const indices = column.indices;
    const buf = (this.scratch ??= Buffer.allocUnsafe(DICTIONARY_SCRATCH));
    let n = 0;
    for (let r = 0; r < length; r++) {
      const k = indices[r]!;
      const e = k < 0 ? NULL_ENTRY : entries[k]!;
      const len = e.length;
      if (n + len > buf.length) {
        h.update(buf.subarray(0, n));
        n = 0;
        if (len > buf.length) {
          h.update(e);
          continue;
        }
      }
      if (len <= 16) for (let j = 0; j < len; j++) buf[n + j] = e[j]!;
      else buf.set(e, n);
      n += len;
    }
    if (n > 0) h.update(buf.subarray(0, n));
  }

  /**
   * Rows [0, length) of a column held as UTF-8 bytes: each cell's bytes and the separator (what
   * hashText hashes for the text they decode to), a null's entry for a null, gathered in the
   * scratch buffer and hashed with one update per 64 KiB.
   */
  private hashUtf8(h: ByteSinkLike, column: Utf8Column, length: number): void {
    const { bytes, start, end, flags } = column;
    const buf = (this.scratch ??= Buffer.allocUnsafe(DICTIONARY_SCRATCH));
    let n = 0;
    for (let r = 0; r < length; r++) {
      const isNull = (flags[r]! & TEXT_NULL) !== 0;
      const s = start[r]!;
      const len = isNull ? NULL_ENTRY.length : end[r]! - s + 1;
      if (n + len > buf.length) {
        h.update(buf.subarray(0, n));
        n = 0;
        if (len > buf.length) {
          h.update(bytes.subarray(s, s + len - 1)).update(UNIT_SEPARATOR);
          continue;
        }
      }
      if (isNull) {
        buf.set(NULL_ENTRY, n);
        n += len;
        continue;
      }
      // A cell of an e-mail address's size copies faster byte by byte than through a subarray.
      if (len <= UTF8_LOOP_BYTES) for (let j = 0; j < len - 1; j++) buf[n + j] = bytes[s + j]!;
      else buf.set(bytes.subarray(s, s + len - 1), n);
      n += len;
      buf[n - 1] = 0x1f;
    }
    if (n > 0) h.update(buf.subarray(0, n));
  }

  /**
   * Checksum per column name, in a null-prototype object: a column named `__proto__` (or
   * `constructor`) is a key like any other, not the object's prototype. Only a digest of a whole
   * table has one; a range's digest gives its share.
   */
  digest(): Record<string, string> {
    if (this.range) throw new Error('a digest of a range has a share, not a digest');
    if (this.roomInBlock !== BLOCK_ROWS) {
      const leaf = Math.floor((this.firstRow + this.rows) / BLOCK_ROWS);
      this.blocks.forEach((b, i) => this.trees[i]!.push(leaf, 0, b.leaf()));
      this.nextBlocks();
    }
    const out = Object.create(null) as Record<string, string>;
    this.schema.forEach((c, i) => (out[c.name] = this.trees[i]!.root()));
    return out;
  }

  /** A range's share of the table's digest (see DigestShare); mergeDigestShares joins them. */
  share(): DigestShare {
    if (!this.range) throw new Error('a digest of a whole table has a digest, not a share');
    const partial = this.roomInBlock !== BLOCK_ROWS;
    const reachedBoundary = this.heads !== null;
    return {
      firstRow: this.firstRow,
      rows: this.rows,
      blockRows: BLOCK_ROWS,
      columns: this.schema.map((c, i) => ({
        name: c.name,
        head: (reachedBoundary
          ? this.heads![i]!
          : partial
            ? this.blocks[i]!.bytes()
            : Buffer.alloc(0)
        ).toString('base64'),
        nodes: this.trees[i]!.nodes.map((n) => ({
          start: n.start,
          level: n.level,
          hash: n.hash.toString('hex'),
        })),
        tail: (reachedBoundary && partial ? this.blocks[i]!.bytes() : Buffer.alloc(0)).toString('base64'),
      })),
    };
  }
}

/**
 * The digest of a table from the shares of its ranges, in order: equal to TableDigest's digest
 * of one pass over the same rows. The shares must follow each other (each starts at the row the
 * one before ended) from row 0 and name the same columns; otherwise it throws, naming the gap.
 */
export function mergeDigestShares(shares: readonly DigestShare[]): Record<string, string> {
  const first = shares[0];
  const names = first?.columns.map((c) => c.name) ?? [];
  const trees = names.map(() => new TreeEdge());
  /** Per column, the bytes of the block being pieced together from edges. */
  let pending: Buffer[][] = names.map(() => []);
  let row = 0;
  const leafOf = (chunks: Buffer[]): Buffer => {
    const h = createHash('sha256').update(LEAF);
    for (const c of chunks) h.update(c);
    return h.digest();
  };
  for (const [k, share] of shares.entries()) {
    if (share.blockRows !== BLOCK_ROWS)
      throw new Error(`share ${k + 1} was cut in blocks of ${share.blockRows} rows, not ${BLOCK_ROWS}`);
    if (share.firstRow !== row)
      throw new Error(
        `share ${k + 1} starts at row ${share.firstRow}; the shares before it end at row ${row}`,
      );
    const columns = share.columns.map((c) => c.name);
    if (columns.length !== names.length || columns.some((c, i) => c !== names[i]))
      throw new Error(`share ${k + 1} has columns ${columns.join(', ')}; share 1 has ${names.join(', ')}`);
    const end = share.firstRow + share.rows;
    // Whether the range reached the end of the block it starts in (TableDigest then closed it).
    const crosses = end >= (Math.floor(share.firstRow / BLOCK_ROWS) + 1) * BLOCK_ROWS;
    share.columns.forEach((c, i) => {
      pending[i]!.push(Buffer.from(c.head, 'base64'));
      if (crosses && share.firstRow % BLOCK_ROWS !== 0)
        trees[i]!.push(Math.floor(share.firstRow / BLOCK_ROWS), 0, leafOf(pending[i]!));
      if (crosses) {
        for (const n of c.nodes) trees[i]!.push(n.start, n.level, Buffer.from(n.hash, 'hex'));
        pending[i] = [Buffer.from(c.tail, 'base64')];
      }
    });
    row = end;
  }
  if (row % BLOCK_ROWS !== 0) {
    const leaf = Math.floor(row / BLOCK_ROWS);
    pending.forEach((chunks, i) => trees[i]!.push(leaf, 0, leafOf(chunks)));
    pending = [];
  }
  const out = Object.create(null) as Record<string, string>;
  names.forEach((name, i) => (out[name] = trees[i]!.root()));
  return out;
}

/** Rows [from, to) of a column, sharing its arrays where they can be viewed. */
function sliceColumn(column: DigestColumn, from: number, to: number): DigestColumn {
  switch (column.kind) {
    case 'valueBytes':
      return { kind: 'valueBytes', bytes: column.bytes, offsets: column.offsets.subarray(from, to + 1) };
    case 'utf8':
      return {
        kind: 'utf8',
        bytes: column.bytes,
        start: column.start.subarray(from, to),
        end: column.end.subarray(from, to),
        flags: column.flags.subarray(from, to),
      };
    case 'float64':
    case 'integer':
      return {
        kind: column.kind,
        values: column.values.subarray(from, to),
        valid: column.valid?.subarray(from, to) ?? null,
      };
    case 'int32':
      return {
        kind: 'int32',
        values: column.values.subarray(from, to),
        valid: column.valid?.subarray(from, to) ?? null,
      };
    case 'boolean':
      return {
        kind: 'boolean',
        values: column.values.subarray(from, to),
        valid: column.valid?.subarray(from, to) ?? null,
      };
    case 'dictionary':
      return {
        kind: 'dictionary',
        indices: column.indices.subarray(from, to),
        dictionary: column.dictionary,
      };
    case 'string':
      return { kind: 'string', values: column.values.slice(from, to) };
    case 'values':
      return { kind: 'values', values: column.values.slice(from, to) };
  }
}

/** One value's canonical text and its separator. */
function hashText(h: ByteSinkLike, text: string): void {
  // Hashing encodes text as UTF-8, where a lone surrogate becomes U+FFFD: text holding one is
  // hashed by its UTF-16 code units, so a writer that replaced it cannot pass the proof.
  if (LONE_SURROGATE.test(text)) h.update(LONE_MARK).update(Buffer.from(text, 'utf16le'));
  else h.update(text);
  h.update(SEPARATOR);
}

const DICTIONARY_SCRATCH = 64 * 1024;
/** Cells up to this many bytes (with the separator) are copied byte by byte. */
const UTF8_LOOP_BYTES = 64;
/** The separator's one byte, for a cell hashed straight from its bytes. */
const UNIT_SEPARATOR = Buffer.from(SEPARATOR, 'utf8');

/** The bytes hashText hashes for a value's canonical text. */
function entryBytes(text: string): Buffer {
  if (LONE_SURROGATE.test(text)) {
    return Buffer.concat([
      Buffer.from(LONE_MARK, 'utf8'),
      Buffer.from(text, 'utf16le'),
      Buffer.from(SEPARATOR),
    ]);
  }
  return Buffer.from(text + SEPARATOR, 'utf8');
}

/**
 * Hashes canonical texts (null for a null) and their separators, a run of values between nulls
 * with one update. A null's text (U+2400) is hashed on its own: joined in, it would make the run
 * a two-byte string, which is several times slower to scan for lone surrogates and to encode.
 * The separator cannot pair with a surrogate, so a run's joined text holds a lone one exactly
 * when a value's text does: only then are its values hashed one by one.
 */
function hashTexts(h: ByteSinkLike, texts: (string | null)[], length: number): void {
  let from = 0;
  for (let r = 0; r <= length; r++) {
    if (r < length && texts[r] !== null) continue;
    for (let a = from; a < r; a += JOIN_CHUNK) hashRun(h, texts, a, Math.min(r, a + JOIN_CHUNK));
    if (r < length) h.update(NULL_ENTRY);
    from = r + 1;
  }
}

/**
 * Values joined per update. One join of a whole batch builds (and flattens) a string of tens of
 * megabytes, which costs twice as much as joining and hashing it in slices of about a thousand
 * values (measured on a million e-mail addresses: 140 ms against 60-85 ms); the bytes hashed are
 * the same.
 */
const JOIN_CHUNK = 1024;

/** Values [from, to) of a run without nulls, each followed by the separator. */
function hashRun(h: ByteSinkLike, texts: (string | null)[], from: number, to: number): void {
  const run = texts.slice(from, to);
  run.push('');
  const joined = run.join(SEPARATOR);
  if (!LONE_SURROGATE.test(joined)) h.update(joined);
  else for (let k = from; k < to; k++) hashText(h, texts[k]!);
}

/**
 * Canonical texts of rows [0, length) of a column, null for a null, with an empty text after the
 * last (so that joining them with the separator ends in one).
 */
function canonicalTexts(
  column: TypedColumn,
  spec: ColumnSpec,
  codec: ColumnCodec,
  length: number,
): (string | null)[] {
  const texts = new Array<string | null>(length + 1);
  texts[length] = '';
  switch (column.kind) {
    case 'string':
    case 'values': {
      const values = column.values;
      for (let r = 0; r < length; r++) {
        const v = values[r] ?? null;
        texts[r] = v === null ? null : codec.canonical(v);
      }
      break;
    }
    default:
      for (let r = 0; r < length; r++) {
        const v = typedValueAt(column, spec, r);
        texts[r] = v === null ? null : codec.canonical(v);
      }
  }
  return texts;
}
