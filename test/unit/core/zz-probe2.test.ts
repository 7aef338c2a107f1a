import { describe, expect, it, vi, afterEach } from 'vitest';
import { parseCell, NOT_CONFORMING } from '../../../lambdas/core/formats/typed-values';
afterEach(() => { vi.unstubAllEnvs(); });
describe('probe', () => {
  it('flt max as printed', () => { expect(parseCell('float32', '3.4028235e38')).toBe(Math.fround(3.4028235e38)); });
  it('1e400 f64', () => { expect(parseCell('float64', '1e400')).toBe(NOT_CONFORMING); });
  it('1e400 f32', () => { expect(parseCell('float32', '1e400')).toBe(NOT_CONFORMING); });
  it('ts 2023-02-29', () => { expect(parseCell('timestamp', '2023-02-29T00:00:00Z')).toBe(NOT_CONFORMING); });
  it('ts 2024-06-31', () => { expect(parseCell('timestamp', '2024-06-31T00:00:00Z')).toBe(NOT_CONFORMING); });
  it('ts zone-less TZ', () => { vi.stubEnv('TZ', 'America/New_York'); expect((parseCell('timestamp', '2024-06-01T10:00:00') as Date).toISOString()).toBe('2024-06-01T10:00:00.000Z'); });
});
