/**
 * Seeded images for pipelines that take pictures: noise, gradients or shapes, `count` images of
 * width × height × channels (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA), 8 bits per sample. Each image is
 * a function of (seed, index), so images are produced one at a time (memory: one image) and the
 * same seed gives the same bytes. Written as PNG files and as one `.npy` array of shape
 * (count, height, width, channels), dtype uint8, which NumPy loads with `np.load`.
 */
import { CellRandom, hashText, GenerationError } from '../../../lambdas/core/generation';

export const IMAGE_KINDS = ['noise', 'gradient', 'shapes'] as const;
export type ImageKind = (typeof IMAGE_KINDS)[number];

export interface ImageSpec {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 2 | 3 | 4;
  readonly count: number;
  readonly kind: ImageKind;
  readonly seed: number;
}

/** Largest image accepted (pixels): 64 MP, a few hundred MB of samples at most. */
export const MAX_PIXELS = 64 * 1024 * 1024;

export function checkImageSpec(spec: ImageSpec): void {
  const whole = (n: number, what: string, min: number): void => {
    if (!Number.isSafeInteger(n) || n < min)
      throw new GenerationError(`${what} must be a whole number >= ${min} (got ${n})`, `--${what}`);
  };
  whole(spec.width, 'width', 1);
  whole(spec.height, 'height', 1);
  whole(spec.count, 'count', 0);
  if (![1, 2, 3, 4].includes(spec.channels))
    throw new GenerationError(`channels must be 1, 2, 3 or 4 (got ${spec.channels})`, '--channels');
  if (spec.width * spec.height > MAX_PIXELS)
    throw new GenerationError(`${spec.width}×${spec.height} exceeds ${MAX_PIXELS} pixels`, '--width');
  if (!(IMAGE_KINDS as readonly string[]).includes(spec.kind))
    throw new GenerationError(`kind '${spec.kind}' is not one of ${IMAGE_KINDS.join(', ')}`, '--kind');
}

/** The pixels of image `index` (row-major, channels interleaved). */
export function renderImage(spec: ImageSpec, index: number): Uint8Array {
  const { width, height, channels } = spec;
  const out = new Uint8Array(width * height * channels);
  const rand = new CellRandom(hashText(`image#${spec.kind}`, spec.seed)).at(index);
  const alpha = channels === 2 || channels === 4;
  const colour = channels >= 3 ? 3 : 1;
  switch (spec.kind) {
    case 'noise': {
      const pixel = new CellRandom(hashText(`image#noise#${index}`, spec.seed));
      for (let p = 0; p < width * height; p++) {
        pixel.at(p);
        for (let c = 0; c < colour; c++) out[p * channels + c] = pixel.nextU32() & 0xff;
        if (alpha) out[p * channels + channels - 1] = 255;
      }
      return out;
    }
    case 'gradient': {
      const angle = rand.next() * 2 * Math.PI;
      const from = [0, 1, 2].map(() => Math.floor(rand.next() * 256));
      const to = [0, 1, 2].map(() => Math.floor(rand.next() * 256));
      const dx = Math.cos(angle);
      const dy = Math.sin(angle);
      const span = Math.abs(dx) * (width - 1) + Math.abs(dy) * (height - 1) || 1;
      const x0 = dx < 0 ? width - 1 : 0;
      const y0 = dy < 0 ? height - 1 : 0;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const t = ((x - x0) * dx + (y - y0) * dy) / span;
          const p = (y * width + x) * channels;
          for (let c = 0; c < colour; c++) out[p + c] = Math.round(from[c]! + (to[c]! - from[c]!) * t);
          if (alpha) out[p + channels - 1] = 255;
        }
      }
      return out;
    }
    case 'shapes': {
      const background = [0, 1, 2].map(() => Math.floor(rand.next() * 256));
      for (let p = 0; p < width * height; p++) {
        for (let c = 0; c < colour; c++) out[p * channels + c] = background[c]!;
        if (alpha) out[p * channels + channels - 1] = 255;
      }
      const shapes = 1 + rand.below(5);
      for (let s = 0; s < shapes; s++) {
        const circle = rand.next() < 0.5;
        const cx = rand.next() * width;
        const cy = rand.next() * height;
        const r = (0.1 + rand.next() * 0.3) * Math.min(width, height);
        const fill = [0, 1, 2].map(() => Math.floor(rand.next() * 256));
        const x0 = Math.max(0, Math.floor(cx - r));
        const x1 = Math.min(width - 1, Math.ceil(cx + r));
        const y0 = Math.max(0, Math.floor(cy - r));
        const y1 = Math.min(height - 1, Math.ceil(cy + r));
        for (let y = y0; y <= y1; y++) {
          for (let x = x0; x <= x1; x++) {
            if (circle && (x - cx) ** 2 + (y - cy) ** 2 > r * r) continue;
            const p = (y * width + x) * channels;
            for (let c = 0; c < colour; c++) out[p + c] = fill[c]!;
          }
        }
      }
      return out;
    }
  }
}

/** The `.npy` (format 1.0) header for a uint8 array of the given shape. */
export function npyHeader(shape: readonly number[]): Uint8Array {
  const dict = `{'descr': '|u1', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  // Magic (6) + version (2) + header length (2) + dict + padding + '\n' is a multiple of 64.
  const unpadded = 10 + dict.length + 1;
  const padded = Math.ceil(unpadded / 64) * 64;
  const text = `${dict}${' '.repeat(padded - unpadded)}\n`;
  const out = new Uint8Array(10 + text.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, text.length, true);
  for (let i = 0; i < text.length; i++) out[10 + i] = text.charCodeAt(i);
  return out;
}
