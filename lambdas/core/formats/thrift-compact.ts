/**
 * Bytes written into a growing buffer, and Thrift's compact protocol on top of it: what the
 * Parquet writer needs for page headers and the footer. Fields are written in ascending id order
 * by the caller (the compact protocol encodes each id as a delta from the previous one), so no
 * object tree is built and no field is looked up by name.
 */

/** A growing byte buffer; `length` bytes of `bytes` are written. */
export class ByteBuffer {
  bytes: Uint8Array;
  length = 0;

  constructor(capacity = 1 << 16) {
    this.bytes = new Uint8Array(capacity);
  }

  /** Makes room for `count` more bytes. */
  ensure(count: number): void {
    const need = this.length + count;
    if (need <= this.bytes.length) return;
    let capacity = this.bytes.length * 2;
    while (capacity < need) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  u8(value: number): void {
    this.ensure(1);
    this.bytes[this.length++] = value;
  }

  u32(value: number): void {
    this.ensure(4);
    const b = this.bytes;
    const at = this.length;
    b[at] = value;
    b[at + 1] = value >>> 8;
    b[at + 2] = value >>> 16;
    b[at + 3] = value >>> 24;
    this.length = at + 4;
  }

  /** An unsigned varint of a non-negative integer below 2^53 (no 32-bit truncation). */
  varint(value: number): void {
    this.ensure(8);
    let v = value;
    while (v >= 0x80) {
      this.bytes[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.bytes[this.length++] = v;
  }

  append(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.bytes.set(bytes, this.length);
    this.length += bytes.length;
  }

  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}

/** Compact-protocol type ids. */
export const T = {
  TRUE: 1,
  FALSE: 2,
  BYTE: 3,
  I32: 5,
  I64: 6,
  BINARY: 8,
  LIST: 9,
  STRUCT: 12,
} as const;

const utf8 = new TextEncoder();

/**
 * Writes compact-protocol structs. Every `*Field` call writes one field of the innermost open
 * struct; `struct()`/`end()` open and close a nested struct (a field, or a list element when
 * opened with `listStruct()`).
 */
export class ThriftWriter {
  /** The last field id of each open struct. */
  private readonly ids: number[] = [0];

  constructor(readonly out: ByteBuffer) {}

  private header(id: number, type: number): void {
    const last = this.ids[this.ids.length - 1]!;
    const delta = id - last;
    if (delta <= 0) throw new Error(`thrift field ${id} after ${last}`);
    if (delta <= 15) this.out.u8((delta << 4) | type);
    else {
      this.out.u8(type);
      this.zigzag(id);
    }
    this.ids[this.ids.length - 1] = id;
  }

  private zigzag(value: number): void {
    this.out.varint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  i32Field(id: number, value: number): void {
    this.header(id, T.I32);
    this.zigzag(value);
  }

  /** An i64 field from a number: file offsets, sizes and counts stay far below 2^53. */
  i64Field(id: number, value: number): void {
    this.header(id, T.I64);
    this.zigzag(value);
  }

  byteField(id: number, value: number): void {
    this.header(id, T.BYTE);
    this.out.u8(value & 0xff);
  }

  boolField(id: number, value: boolean): void {
    this.header(id, value ? T.TRUE : T.FALSE);
  }

  binaryField(id: number, value: Uint8Array): void {
    this.header(id, T.BINARY);
    this.out.varint(value.length);
    this.out.append(value);
  }

  stringField(id: number, value: string): void {
    this.binaryField(id, utf8.encode(value));
  }

  /** Opens a struct field; close it with end(). */
  struct(id: number): void {
    this.header(id, T.STRUCT);
    this.ids.push(0);
  }

  /** Opens a struct that is a list element; close it with end(). */
  listStruct(): void {
    this.ids.push(0);
  }

  /** Closes the innermost struct (writes its stop byte). */
  end(): void {
    this.out.u8(0);
    this.ids.pop();
  }

  /** A list field header; the caller then writes `size` elements of `elementType`. */
  list(id: number, elementType: number, size: number): void {
    this.header(id, T.LIST);
    if (size < 15) this.out.u8((size << 4) | elementType);
    else {
      this.out.u8(0xf0 | elementType);
      this.out.varint(size);
    }
  }

  /** An i32 list element. */
  i32(value: number): void {
    this.zigzag(value);
  }

  /** A binary (string) list element. */
  string(value: string): void {
    const bytes = utf8.encode(value);
    this.out.varint(bytes.length);
    this.out.append(bytes);
  }
}
