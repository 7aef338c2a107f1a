/**
 * Contracts are bounded: file bytes, columns, rules and column-name length have stated limits,
 * each refused with a ContractError naming the file; the catalog sets an oversized file aside
 * without reading it whole, and a refresh re-parses only the files whose ETag changed.
 */
import { describe, expect, it } from 'vitest';
import { ContractCatalog } from '../../../../lambdas/core/contracts/contract-catalog';
import { CONTRACT_LIMITS } from '../../../../lambdas/core/contracts/contract-limits';
import { parseContract } from '../../../../lambdas/core/contracts/parse-contract';
import { ContractError } from '../../../../lambdas/core/errors';
import { InMemoryObjectStore } from '../../../fixtures/in-memory-object-store';
import { contractText } from '../../../fixtures/validation-fixtures';

const SOURCE = 'contracts/big.yaml';
const BUCKET = 'artifacts';

function parseError(text: string): ContractError {
  try {
    parseContract(text, SOURCE);
  } catch (error) {
    if (error instanceof ContractError) return error;
    throw error;
  }
  throw new Error('the contract loaded');
}

function columns(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `{ name: c${i}, type: string }`);
}

function clockAt(start: number): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('contract size limits', () => {
  it(`a file over ${CONTRACT_LIMITS.maxBytes} bytes is refused before it is parsed`, () => {
    // Prepare: valid YAML, padded with a long description
    const text = contractText({
      schema: columns(1),
      extra: [`description: '${'x'.repeat(CONTRACT_LIMITS.maxBytes)}'`],
    });

    // Act
    const error = parseError(text);

    // Assess
    expect(error.source).toBe(SOURCE);
    expect(error.message).toContain(`${SOURCE}: the contract file is ${Buffer.byteLength(text)} bytes`);
  });

  it(`${CONTRACT_LIMITS.maxColumns} columns load; one more is refused`, () => {
    // Prepare
    const atLimit = contractText({ schema: columns(CONTRACT_LIMITS.maxColumns) });
    const over = contractText({ schema: columns(CONTRACT_LIMITS.maxColumns + 1) });

    // Act
    const loaded = parseContract(atLimit, SOURCE);
    const error = parseError(over);

    // Assess
    expect(loaded.schema).toHaveLength(CONTRACT_LIMITS.maxColumns);
    expect(error.message).toBe(
      `${SOURCE}: schema: ${CONTRACT_LIMITS.maxColumns + 1} columns; at most ${CONTRACT_LIMITS.maxColumns} are accepted`,
    );
  }, 30_000); // two YAML documents of 2,000 columns on a shared machine

  it(`more than ${CONTRACT_LIMITS.maxRules} rules are refused`, () => {
    // Prepare
    const rules = Array.from(
      { length: CONTRACT_LIMITS.maxRules + 1 },
      (_, i) => `{ name: r${i}, field: c0, condition: not_null }`,
    );

    // Act
    const error = parseError(contractText({ schema: columns(1), quality: rules }));

    // Assess
    expect(error.message).toContain(`quality: ${CONTRACT_LIMITS.maxRules + 1} rules`);
  });

  it('a 300,000-character column name is refused with a short message', () => {
    // Prepare
    const name = 'n'.repeat(300_000);

    // Act
    const error = parseError(contractText({ schema: [`{ name: ${name}, type: string }`] }));

    // Assess
    expect(error.message).toContain(
      `schema[0].name: '${'n'.repeat(40)}…' is 300000 characters; at most ${CONTRACT_LIMITS.maxColumnNameLength}`,
    );
    expect(error.message.length).toBeLessThan(300);
  });

  it(`a column name of exactly ${CONTRACT_LIMITS.maxColumnNameLength} characters loads`, () => {
    // Prepare
    const name = 'n'.repeat(CONTRACT_LIMITS.maxColumnNameLength);

    // Act
    const contract = parseContract(contractText({ schema: [`{ name: ${name}, type: string }`] }), SOURCE);

    // Assess
    expect(contract.schema[0]!.name).toBe(name);
  });
});

describe('the catalog', () => {
  it('sets an oversized contract aside without reading it whole, keeping its path', async () => {
    // Prepare
    const store = new InMemoryObjectStore();
    const text = contractText({
      schema: columns(1),
      extra: [`description: '${'x'.repeat(CONTRACT_LIMITS.maxBytes)}'`],
    });
    store.put(BUCKET, SOURCE, text);
    const catalog = new ContractCatalog(store, BUCKET, 'contracts/');

    // Act
    const snapshot = await catalog.snapshot();

    // Assess
    expect(snapshot.entries).toEqual([]);
    expect(snapshot.broken).toEqual([
      {
        key: SOURCE,
        error: `${SOURCE}: the contract file is ${Buffer.byteLength(text)} bytes; at most ${CONTRACT_LIMITS.maxBytes} (1 MiB) are accepted`,
        path: 'data/',
      },
    ]);
    expect(store.calls.filter((c) => c.op === 'read')).toEqual([]);
  });

  it('refuses an oversized contract asked for by key after a HEAD, without reading it', async () => {
    // Prepare
    const store = new InMemoryObjectStore();
    store.put(BUCKET, SOURCE, 'x'.repeat(CONTRACT_LIMITS.maxBytes + 1));
    const catalog = new ContractCatalog(store, BUCKET, 'contracts/');

    // Act
    const error = await catalog.get(SOURCE).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ContractError);
    expect(store.calls.map((c) => c.op)).toEqual(['head']);
  });

  it('a refresh re-reads only the contract whose ETag changed', async () => {
    // Prepare
    const store = new InMemoryObjectStore();
    const keys = ['contracts/a.yaml', 'contracts/b.yaml', 'contracts/c.yaml'];
    for (const key of keys)
      store.put(
        BUCKET,
        key,
        contractText({ schema: columns(2) }).replace('output: o', `output: ${key.slice(10, 11)}`),
      );
    const clock = clockAt(0);
    const catalog = new ContractCatalog(store, BUCKET, 'contracts/', 60_000, clock.now);
    await catalog.snapshot();
    store.put(
      BUCKET,
      'contracts/b.yaml',
      contractText({ schema: columns(3) }).replace('output: o', 'output: b'),
    );
    store.calls.length = 0;
    clock.advance(60_000);

    // Act
    const snapshot = await catalog.snapshot();

    // Assess
    expect(store.calls.flatMap((c) => (c.op === 'read' ? [c.key] : []))).toEqual(['contracts/b.yaml']);
    expect(snapshot.entries.map((e) => [e.key, e.contract.schema.length])).toEqual([
      ['contracts/a.yaml', 2],
      ['contracts/b.yaml', 3],
      ['contracts/c.yaml', 2],
    ]);
  });
});
