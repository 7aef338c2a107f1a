// Typings for the one module of hyparquet-compressors the Parquet reader imports on its own (the
// package declares only its index, which also loads its gzip and brotli inflaters).
declare module 'hyparquet-compressors/src/lz4.js' {
  export function decompressLz4(input: Uint8Array, outputLength: number): Uint8Array;
  export function decompressLz4Raw(input: Uint8Array, outputLength: number): Uint8Array;
}
