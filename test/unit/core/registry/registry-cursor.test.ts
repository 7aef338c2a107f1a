import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { decodeCursor, encodeCursor } from '../../../../lambdas/core/registry/registry-cursor';
import { InvalidCursorError } from '../../../../lambdas/core/registry/registry-errors';

describe('registry cursors', () => {
  it('round-trips any key within the query it was made for', () => {
    // Prepare
    const keys = fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 80 }), {
      maxKeys: 4,
    });

    // Act / Assess
    fc.assert(
      fc.property(keys, fc.string(), (key, scope) => {
        expect(decodeCursor(encodeCursor(key, scope), scope)).toEqual(key);
      }),
    );
  });

  it('is opaque text safe in a URL or a shell argument', () => {
    // Act
    const cursor = encodeCursor(
      { pk: 'OBJ#s3://b/k e y', sk: 'VER#1', gsi1pk: 'OUT#p#s#o', gsi1sk: '2026-11-01T00:00:00Z#s3://b/k' },
      'gsi1|OUT#p#s#o|',
    );

    // Assess
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain('OBJ#');
  });

  it('refuses a cursor replayed against another query', () => {
    // Prepare
    const cursor = encodeCursor({ pk: 'a', sk: 'b' }, 'gsi1|OUT#sales#preprocessing#training_data|');

    // Act
    const act = () => decodeCursor(cursor, 'gsi1|OUT#sales#ingestion#raw_orders|');

    // Assess
    expect(act).toThrow(InvalidCursorError);
    expect(act).toThrow('invalid cursor (it belongs to a different query); start again without a cursor');
  });

  it.each([
    ['not base64 JSON', 'definitely-not-a-cursor'],
    ['JSON of another shape', Buffer.from('{"k":"x"}').toString('base64url')],
    ['a key with non-string values', Buffer.from('{"s":"abc","k":{"pk":1}}').toString('base64url')],
  ])('refuses %s', (_case, cursor) => {
    // Act
    const act = () => decodeCursor(cursor, 'scope');

    // Assess
    expect(act).toThrow(InvalidCursorError);
  });
});
