/**
 * Where bytes come from and go to. Readers of row formats stream; Parquet needs random access
 * (its footer is at the end), which S3 ranged GETs and file handles both give. Sinks write to a
 * temporary name (file) or a multipart upload (S3) and only publish on close, so a failed write
 * leaves nothing behind.
 */
export interface ByteSource {
  /** For messages: a path or s3:// URI. */
  readonly name: string;
  size(): Promise<number>;
  stream(): AsyncIterable<Uint8Array>;
  /** Bytes [start, end) — end exclusive, clamped to the size. */
  readRange(start: number, end: number): Promise<Uint8Array>;
}

/**
 * A sequential reader that fills the caller's buffer: a consumer that keeps a working buffer of
 * its own (the CSV column reader) reads straight into it, so the bytes are neither allocated as a
 * fresh chunk per read nor copied out of one. Profiles of CSV validation showed the stream's new
 * 1 MiB chunk per read (the whole file in short-lived memory) and its copy among the costs.
 */
export interface ByteReader {
  /**
   * The length of each read; the source's stream yields chunks of this length too, so a consumer
   * sees the same chunk boundaries either way (where a row or a character is split).
   */
  readonly chunkSize: number;
  /** Fills `into` from its start with the next bytes (one read, at most its length); 0 at the end. */
  read(into: Uint8Array): Promise<number>;
  /** Releases the file or connection; safe to call more than once. */
  close(): Promise<void>;
}

const OPEN_READER = Symbol('openByteReader');

/** A stream that can also be read as a ByteReader, by a consumer that knows how (readerOf). */
interface ReadableByteStream extends AsyncIterable<Uint8Array> {
  [OPEN_READER](): ByteReader;
}

/**
 * A stream that iterates as `iterate` does and, to a consumer that asks with readerOf, opens
 * `openReader` instead. Nothing is opened until one of the two is used (and only one may be).
 */
export function readableByteStream(
  iterate: () => AsyncIterable<Uint8Array>,
  openReader: () => ByteReader,
): AsyncIterable<Uint8Array> {
  const stream: ReadableByteStream = {
    [Symbol.asyncIterator]: () => iterate()[Symbol.asyncIterator](),
    [OPEN_READER]: openReader,
  };
  return stream;
}

/**
 * A ByteReader over `stream` if it was made by readableByteStream and not wrapped since (a wrapper,
 * such as a decompressor or a progress counter, yields chunks of its own and hides it).
 */
export function readerOf(stream: AsyncIterable<Uint8Array>): ByteReader | undefined {
  return OPEN_READER in stream ? (stream as ReadableByteStream)[OPEN_READER]() : undefined;
}

export interface ByteSink {
  readonly name: string;
  write(chunk: Uint8Array): Promise<void>;
  /**
   * True when the sink is done with a chunk once its write has resolved (it wrote or copied the
   * bytes): a writer may then fill the same buffer again. Absent, the sink may keep the chunk it
   * was given (a multipart upload's part), and a writer hands over bytes it never touches again.
   */
  readonly releasesChunks?: boolean;
  /** Publishes what was written (rename, complete the upload). */
  close(): Promise<void>;
  /** Discards what was written; safe to call after a failed write or close. */
  abort(): Promise<void>;
  /** Removes what close() published (a conversion whose proof failed); absent where impossible. */
  discard?(): Promise<void>;
}

/**
 * The sink, counting the bytes written through it. It keeps no chunk, so it releases a chunk when
 * the sink does (releasesChunks): a text writer then refills its own buffers instead of copying
 * each flushed megabyte (in generation, those copies, collected late, held 20+ MB outside the heap).
 */
export function countingSink(sink: ByteSink): ByteSink & { readonly bytes: number } {
  let bytes = 0;
  return {
    name: sink.name,
    ...(sink.releasesChunks === true ? { releasesChunks: true } : {}),
    get bytes() {
      return bytes;
    },
    write: (chunk) => {
      bytes += chunk.byteLength;
      return sink.write(chunk);
    },
    close: () => sink.close(),
    abort: () => sink.abort(),
    ...(sink.discard ? { discard: () => sink.discard!() } : {}),
  };
}

/** A source over bytes already in memory (tests, small objects). */
export function bufferSource(bytes: Uint8Array, name = 'buffer', chunkSize = 64 * 1024): ByteSource {
  return {
    name,
    size: () => Promise.resolve(bytes.byteLength),
    async *stream() {
      for (let i = 0; i < bytes.byteLength; i += chunkSize) {
        yield bytes.subarray(i, Math.min(bytes.byteLength, i + chunkSize));
        await Promise.resolve();
      }
    },
    readRange: (start, end) =>
      Promise.resolve(bytes.slice(Math.max(0, start), Math.min(bytes.byteLength, end))),
  };
}

const RANGE_CHUNK = 1024 * 1024;

/**
 * Bytes [start, end) of a source as a source of its own, streamed with ranged reads a chunk at a
 * time: what one reader of a planned range of an object reads.
 */
export function byteRangeSource(source: ByteSource, start: number, end: number): ByteSource {
  const size = Math.max(0, end - start);
  return {
    name: source.name,
    size: () => Promise.resolve(size),
    async *stream() {
      for (let at = start; at < end; at += RANGE_CHUNK)
        yield await source.readRange(at, Math.min(end, at + RANGE_CHUNK));
    },
    readRange: (from, to) =>
      Promise.resolve().then(() => {
        const s = Math.max(0, from);
        const e = Math.min(size, to);
        return e <= s ? new Uint8Array() : source.readRange(start + s, start + e);
      }),
  };
}

/** A sink collecting into memory; `bytes()` returns what was written once closed. */
export class BufferSink implements ByteSink {
  private readonly chunks: Uint8Array[] = [];
  private closed = false;
  /** Each chunk is copied as it is written. */
  readonly releasesChunks = true;
  constructor(readonly name = 'buffer') {}
  write(chunk: Uint8Array): Promise<void> {
    this.chunks.push(chunk.slice());
    return Promise.resolve();
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
  abort(): Promise<void> {
    this.chunks.length = 0;
    return Promise.resolve();
  }
  bytes(): Uint8Array {
    if (!this.closed) throw new Error(`${this.name} is not closed`);
    return Buffer.concat(this.chunks);
  }
}
