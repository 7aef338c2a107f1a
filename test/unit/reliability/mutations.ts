/**
 * Byte-level mutations that turn a valid file into a near-valid one, as fast-check arbitraries so
 * a failing case shrinks to the fewest, smallest mutations. Positions are raw numbers folded into
 * the input's length when applied, counted from the start, from the end (where Parquet and Arrow
 * files keep their footers), or inside a region the format names (its footer).
 */
import fc from 'fast-check';

/** Where a position is counted from. */
export type Anchor = 'start' | 'end' | 'region';

export interface Position {
  readonly anchor: Anchor;
  readonly at: number;
}

export type Mutation =
  | { readonly op: 'flip'; readonly where: Position; readonly bit: number }
  | { readonly op: 'set'; readonly where: Position; readonly value: number }
  | { readonly op: 'truncate'; readonly where: Position }
  | { readonly op: 'insert'; readonly where: Position; readonly bytes: Uint8Array }
  | { readonly op: 'delete'; readonly where: Position; readonly length: number }
  | { readonly op: 'duplicate'; readonly from: Position; readonly length: number; readonly to: Position }
  | {
      readonly op: 'splice';
      readonly where: Position;
      readonly donor: number;
      readonly from: number;
      readonly length: number;
    }
  | { readonly op: 'u32'; readonly where: Position; readonly value: number };

/** Byte values that mean something to parsers: zero, sign bits, all ones, thrift compact field types. */
const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0x15, 0x16, 0x18, 0x19, 0x1c, 0x0c];
/** 32-bit values that make lengths and counts wrong in interesting ways. */
const INTERESTING_U32 = [0, 1, 2, 4, 8, 0x7f, 0x80, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff];

const position = (anchors: readonly Anchor[]): fc.Arbitrary<Position> =>
  fc.record({ anchor: fc.constantFrom(...anchors), at: fc.nat({ max: 1 << 16 }) });

const byteValue = fc.oneof(fc.constantFrom(...INTERESTING_BYTES), fc.integer({ min: 0, max: 255 }));

/**
 * Mutations of an input; `tokens` are format-specific byte strings to insert (quotes, delimiters,
 * invalid UTF-8, JSON punctuation...), `anchors` where positions may be counted from.
 */
export function mutationArbitrary(
  tokens: readonly Uint8Array[],
  anchors: readonly Anchor[] = ['start', 'end'],
): fc.Arbitrary<Mutation> {
  const where = position(anchors);
  const insertBytes =
    tokens.length > 0
      ? fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom(...tokens) },
          { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 16 }) },
        )
      : fc.uint8Array({ minLength: 1, maxLength: 16 });
  return fc.oneof(
    fc.record({ op: fc.constant('flip' as const), where, bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ op: fc.constant('set' as const), where, value: byteValue }),
    fc.record({ op: fc.constant('truncate' as const), where }),
    fc.record({ op: fc.constant('insert' as const), where, bytes: insertBytes }),
    fc.record({ op: fc.constant('delete' as const), where, length: fc.integer({ min: 1, max: 64 }) }),
    fc.record({
      op: fc.constant('duplicate' as const),
      from: where,
      length: fc.integer({ min: 1, max: 256 }),
      to: where,
    }),
    fc.record({
      op: fc.constant('splice' as const),
      where,
      donor: fc.nat(),
      from: fc.nat({ max: 1 << 16 }),
      length: fc.integer({ min: 1, max: 512 }),
    }),
    fc.record({
      op: fc.constant('u32' as const),
      where,
      value: fc.oneof(fc.constantFrom(...INTERESTING_U32), fc.nat({ max: 0xffffffff })),
    }),
  );
}

/** [start, end) of the region a format cares most about (a footer), or the whole input. */
export type RegionOf = (bytes: Uint8Array) => readonly [number, number];

const whole: RegionOf = (bytes) => [0, bytes.byteLength];

function resolve(where: Position, length: number, bytes: Uint8Array, regionOf: RegionOf): number {
  if (length === 0) return 0;
  switch (where.anchor) {
    case 'start':
      return where.at % (length + 1);
    case 'end':
      return Math.max(0, length - 1 - (where.at % length));
    case 'region': {
      const [start, end] = regionOf(bytes);
      const span = Math.max(1, Math.min(length, end) - Math.max(0, start));
      return Math.min(length, Math.max(0, start) + (where.at % span));
    }
  }
}

/** Applies mutations in order; `donors` are other inputs a splice copies from. */
export function mutate(
  seed: Uint8Array,
  mutations: readonly Mutation[],
  donors: readonly Uint8Array[],
  regionOf: RegionOf = whole,
): Uint8Array {
  // A copy (Buffer#slice would be a view of the seed, and mutations would corrupt it).
  let bytes: Uint8Array = new Uint8Array(seed);
  for (const m of mutations) {
    const at = (where: Position): number => resolve(where, bytes.byteLength, bytes, regionOf);
    switch (m.op) {
      case 'flip': {
        const i = at(m.where);
        if (i < bytes.byteLength) bytes[i]! ^= 1 << m.bit;
        break;
      }
      case 'set': {
        const i = at(m.where);
        if (i < bytes.byteLength) bytes[i] = m.value;
        break;
      }
      case 'truncate':
        bytes = bytes.slice(0, at(m.where));
        break;
      case 'insert': {
        const i = at(m.where);
        bytes = concat(bytes.subarray(0, i), m.bytes, bytes.subarray(i));
        break;
      }
      case 'delete': {
        const i = at(m.where);
        bytes = concat(bytes.subarray(0, i), bytes.subarray(i + m.length));
        break;
      }
      case 'duplicate': {
        const from = at(m.from);
        const region = bytes.slice(from, from + m.length);
        const to = at(m.to);
        bytes = concat(bytes.subarray(0, to), region, bytes.subarray(to));
        break;
      }
      case 'splice': {
        const donor = donors.length > 0 ? donors[m.donor % donors.length]! : bytes;
        const from = donor.byteLength === 0 ? 0 : m.from % donor.byteLength;
        const i = at(m.where);
        bytes = concat(bytes.subarray(0, i), donor.subarray(from, from + m.length), bytes.subarray(i));
        break;
      }
      case 'u32': {
        const i = Math.min(at(m.where), Math.max(0, bytes.byteLength - 4));
        if (bytes.byteLength >= 4) new DataView(bytes.buffer, bytes.byteOffset).setUint32(i, m.value, true);
        break;
      }
    }
  }
  return bytes;
}

export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}

export const bytesOf = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'utf8'));

/**
 * A valid seed with mutations applied: the near-valid input family. The seed is named by index so
 * a counterexample stays short; `mutations` may be empty (the valid file itself must read).
 */
export function mutatedSeed(
  seeds: readonly Uint8Array[],
  tokens: readonly Uint8Array[],
  anchors?: readonly Anchor[],
): fc.Arbitrary<{ readonly seed: number; readonly mutations: readonly Mutation[] }> {
  return fc.record({
    seed: fc.nat({ max: seeds.length - 1 }),
    // Mostly one mutation, so most cases are one step from valid and get past the first checks.
    mutations: fc.oneof(
      { weight: 1, arbitrary: fc.constant([]) },
      { weight: 4, arbitrary: fc.array(mutationArbitrary(tokens, anchors), { minLength: 1, maxLength: 1 }) },
      { weight: 3, arbitrary: fc.array(mutationArbitrary(tokens, anchors), { minLength: 2, maxLength: 6 }) },
    ),
  });
}

/** Chunk sizes a stream is cut into: one byte at a time, odd sizes, and whole. */
export const chunkSizeArbitrary: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(1, 2, 3, 7, 64, 4096, Number.MAX_SAFE_INTEGER),
  fc.integer({ min: 1, max: 512 }),
);

/** Yields `bytes` in chunks of `size`, a microtask apart like a network stream; a zero-length input yields nothing. */
export async function* chunksOf(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.byteLength; i += size) {
    await Promise.resolve();
    yield bytes.subarray(i, Math.min(bytes.byteLength, i + size));
  }
}

/** Drains batches, touching every row, so a reader that fails late fails here. */
export async function drain(batches: AsyncIterable<{ readonly rows: readonly unknown[] }>): Promise<number> {
  let rows = 0;
  for await (const batch of batches) rows += batch.rows.length;
  return rows;
}

/** A case of a byte reader: the input, and the chunk size it is streamed in. */
export interface ByteCase {
  readonly family: 'random bytes' | 'mutated valid file' | 'generated near-valid';
  readonly bytes: Uint8Array;
  readonly chunkSize: number;
}

/**
 * The three input families of a byte reader: random bytes, valid seeds with mutations, and the
 * format's own generated near-valid inputs, in proportions 2 : 4 : 3.
 */
export function byteCases(options: {
  readonly seeds: readonly Uint8Array[];
  readonly tokens: readonly Uint8Array[];
  readonly random: fc.Arbitrary<Uint8Array>;
  readonly generated: fc.Arbitrary<Uint8Array>;
  readonly anchors?: readonly Anchor[];
  readonly regionOf?: RegionOf;
}): fc.Arbitrary<ByteCase> {
  const { seeds, tokens } = options;
  const input = fc.oneof(
    { weight: 2, arbitrary: options.random.map((bytes) => ({ family: 'random bytes' as const, bytes })) },
    {
      weight: 4,
      arbitrary: mutatedSeed(seeds, tokens, options.anchors).map(({ seed, mutations }) => ({
        family: 'mutated valid file' as const,
        bytes: mutate(seeds[seed]!, mutations, seeds, options.regionOf),
      })),
    },
    {
      weight: 3,
      arbitrary: options.generated.map((bytes) => ({ family: 'generated near-valid' as const, bytes })),
    },
  );
  return fc.tuple(input, chunkSizeArbitrary).map(([i, chunkSize]) => ({ ...i, chunkSize }));
}
