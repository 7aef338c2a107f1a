import { createHash } from 'node:crypto';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { BLOCK_ROWS, mergeDigestShares, TableDigest } from '../../../../lambdas/core/conversion/table-digest';
import type { ColumnSpec } from '../../../../lambdas/core/contracts/output-contract';
import type { TypedColumn } from '../../../../lambdas/core/formats/typed-column';

const SCHEMA: ColumnSpec[] = [
  { name: 'id', type: 'int64', nullable: false },
  { name: 'name', type: 'string', nullable: true },
  { name: 'city', type: 'string', nullable: true },
];
const CITIES = ['Oslo', 'Lima', 'Pune', '\ud800lone'];

/** Rows [from, to) of a table whose row r is (r, 'n<r>' or null, a city from a dictionary). */
function columns(from: number, to: number): TypedColumn[] {
  const n = to - from;
  const ids = new Float64Array(n);
  const names: (string | null)[] = [];
  const indices = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const r = from + k;
    ids[k] = r;
    names.push(r % 7 === 3 ? null : `n${r}`);
    indices[k] = r % 11 === 0 ? -1 : r % CITIES.length;
  }
  return [
    { kind: 'integer', values: ids, valid: null },
    { kind: 'string', values: names },
    { kind: 'dictionary', indices, dictionary: CITIES },
  ];
}

/** The rows [from, to) fed as batches of `batch` rows. */
function feed(digest: TableDigest, from: number, to: number, batch: number): void {
  for (let at = from; at < to; at += batch) {
    const end = Math.min(to, at + batch);
    digest.addColumns(columns(at, end), end - at);
  }
}

function onePass(rows: number, batch = 500): Record<string, string> {
  const d = new TableDigest(SCHEMA);
  feed(d, 0, rows, batch);
  return d.digest();
}

describe('TableDigest shares', () => {
  it('merge into the digest of one pass wherever the table is split', () => {
    // Arrange: tables of up to five blocks, cut at random rows into ranges read in random batches
    const table = fc.integer({ min: 0, max: 5 * BLOCK_ROWS + 17 }).chain((rows) =>
      fc.record({
        rows: fc.constant(rows),
        cuts: fc.uniqueArray(fc.integer({ min: 0, max: rows }), { maxLength: 8 }),
        batch: fc.integer({ min: 1, max: 3000 }),
      }),
    );

    fc.assert(
      fc.property(table, ({ rows, cuts, batch }) => {
        // Act
        const edges = [0, ...cuts.sort((a, b) => a - b), rows];
        const shares = edges.slice(1).map((end, k) => {
          const start = edges[k]!;
          const d = new TableDigest(SCHEMA, { firstRow: start, range: true });
          feed(d, start, end, batch);
          // A share travels as JSON between functions.
          return JSON.parse(JSON.stringify(d.share())) as ReturnType<TableDigest['share']>;
        });

        // Assess
        expect(mergeDigestShares(shares)).toEqual(onePass(rows));
      }),
      { numRuns: 40 },
    );
  });

  it('gives another digest when one value of one range changes', () => {
    // Arrange
    const rows = 3 * BLOCK_ROWS + 5;
    const share = (start: number, end: number, change: boolean) => {
      const d = new TableDigest(SCHEMA, { firstRow: start, range: true });
      const cols = columns(start, end);
      if (change) (cols[0] as { values: Float64Array }).values[3] = -1;
      d.addColumns(cols, end - start);
      return d.share();
    };

    // Act
    const merged = mergeDigestShares([share(0, 1500, false), share(1500, rows, true)]);

    // Assess
    const expected = onePass(rows);
    expect(merged['id']).not.toBe(expected['id']);
    expect(merged['name']).toBe(expected['name']);
  });

  it('refuses shares that do not follow each other', () => {
    // Arrange
    const a = new TableDigest(SCHEMA, { firstRow: 0, range: true });
    feed(a, 0, 100, 100);
    const c = new TableDigest(SCHEMA, { firstRow: 120, range: true });
    feed(c, 120, 200, 100);

    // Act + Assess
    expect(() => mergeDigestShares([a.share(), c.share()])).toThrow(
      'share 2 starts at row 120; the shares before it end at row 100',
    );
  });

  it('keeps under two blocks of bytes per column in a share', () => {
    // Arrange
    const d = new TableDigest(SCHEMA, { firstRow: 700, range: true });
    feed(d, 700, 700 + 40 * BLOCK_ROWS + 300, 4096);

    // Act
    const share = d.share();

    // Assess: 40 whole blocks as a few aligned subtrees, the edges as bytes
    const id = share.columns[0]!;
    expect(id.nodes.length).toBeLessThanOrEqual(2 * Math.log2(40) + 2);
    expect(Buffer.from(id.head, 'base64').length).toBe((BLOCK_ROWS - 700) * 9);
    expect(Buffer.from(id.tail, 'base64').length).toBe((700 + 300) * 9);
  });
});

/** RFC 6962's Merkle tree hash of leaf inputs, written out plainly as the reference. */
function merkleRoot(leaves: readonly Buffer[]): Buffer {
  const sha = (...parts: Buffer[]): Buffer => {
    const h = createHash('sha256');
    for (const p of parts) h.update(p);
    return h.digest();
  };
  if (leaves.length === 0) return sha();
  if (leaves.length === 1) return sha(Buffer.from([0]), leaves[0]!);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return sha(Buffer.from([1]), merkleRoot(leaves.slice(0, k)), merkleRoot(leaves.slice(k)));
}

describe('TableDigest blocks', () => {
  it('hashes blocks of long texts as RFC 6962 leaves, in one pass and merged from shares', () => {
    // Arrange: texts of up to 120,000 characters, so that some blocks outgrow the block buffer
    // and some single texts are hashed on their own
    const schema: ColumnSpec[] = [{ name: 's', type: 'string', nullable: false }];
    const rows = 2 * BLOCK_ROWS + 300;
    const texts = Array.from({ length: rows }, (_, r) =>
      r % 97 === 5 ? 'é'.repeat(120_000) : `t${r}`.repeat(r % 5 === 0 ? 300 : 1),
    );
    const at = (from: number, to: number): TypedColumn[] => [
      { kind: 'string', values: texts.slice(from, to) },
    ];
    const leaves: Buffer[] = [];
    for (let b = 0; b < rows; b += BLOCK_ROWS)
      leaves.push(
        Buffer.from(
          texts
            .slice(b, b + BLOCK_ROWS)
            .map((t) => `${t}\u001f`)
            .join(''),
          'utf8',
        ),
      );

    // Act
    const whole = new TableDigest(schema);
    for (let r = 0; r < rows; r += 700)
      whole.addColumns(at(r, Math.min(rows, r + 700)), Math.min(rows, r + 700) - r);
    const shares = [0, 1500, rows].slice(1).map((end, k, ends) => {
      const start = k === 0 ? 0 : ends[k - 1]!;
      const d = new TableDigest(schema, { firstRow: start, range: true });
      d.addColumns(at(start, end), end - start);
      return d.share();
    });

    // Assess
    const expected = merkleRoot(leaves).toString('hex');
    expect(whole.digest()).toEqual({ s: expected });
    expect(mergeDigestShares(shares)).toEqual({ s: expected });
  });
});
