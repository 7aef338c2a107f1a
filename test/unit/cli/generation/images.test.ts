/** Seeded images, the PNG encoder and the .npy header (`prt generate images`). */
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { npyHeader, renderImage, type ImageSpec } from '../../../../lib/cli/generation/image-generator';
import { crc32, encodePng } from '../../../../lib/cli/generation/png-encoder';

/** Decodes the PNGs encodePng writes (filter 0, one IDAT), checking every chunk's CRC. */
function decodePng(png: Uint8Array): {
  width: number;
  height: number;
  colorType: number;
  pixels: Uint8Array;
} {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let at = 8;
  let width = 0;
  let height = 0;
  let colorType = 0;
  let idat: Uint8Array = new Uint8Array();
  while (at < png.length) {
    const length = view.getUint32(at);
    const type = Buffer.from(png.subarray(at + 4, at + 8)).toString('latin1');
    expect(view.getUint32(at + 8 + length)).toBe(crc32(png, at + 4, at + 8 + length));
    const data = png.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = view.getUint32(at + 8);
      height = view.getUint32(at + 12);
      colorType = data[9]!;
    }
    if (type === 'IDAT') idat = data;
    at += 12 + length;
  }
  const raw = inflateSync(idat);
  const channels = { 0: 1, 4: 2, 2: 3, 6: 4 }[colorType]!;
  const stride = width * channels;
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (stride + 1)]).toBe(0);
    pixels.set(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)), y * stride);
  }
  return { width, height, colorType, pixels };
}

describe('images', () => {
  it.each([
    ['noise', 1],
    ['gradient', 3],
    ['shapes', 4],
    ['shapes', 2],
  ] as const)('renders %s images with %i channel(s) that round-trip through PNG', (kind, channels) => {
    // Prepare
    const spec: ImageSpec = { width: 17, height: 9, channels, count: 3, kind, seed: 5 };
    // Act
    const pixels = renderImage(spec, 1);
    const decoded = decodePng(encodePng(pixels, 17, 9, channels));
    // Assess
    expect(decoded).toMatchObject({ width: 17, height: 9 });
    expect(Buffer.from(decoded.pixels).equals(Buffer.from(pixels))).toBe(true);
    expect(Buffer.from(renderImage(spec, 1)).equals(Buffer.from(pixels))).toBe(true);
    expect(Buffer.from(renderImage(spec, 2)).equals(Buffer.from(pixels))).toBe(false);
  });

  it('writes a .npy 1.0 header NumPy accepts: 64-byte aligned, uint8, C order, the shape', () => {
    // Act
    const header = npyHeader([10, 32, 48, 3]);
    const text = Buffer.from(header.subarray(10)).toString('latin1');
    // Assess
    expect(header.length % 64).toBe(0);
    expect([...header.subarray(0, 8)]).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    expect(new DataView(header.buffer).getUint16(8, true)).toBe(header.length - 10);
    expect(text.trimEnd()).toBe("{'descr': '|u1', 'fortran_order': False, 'shape': (10, 32, 48, 3), }");
    expect(text.endsWith('\n')).toBe(true);
  });
});
