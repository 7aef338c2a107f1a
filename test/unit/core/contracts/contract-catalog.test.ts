import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { ContractCatalog } from '../../../../lambdas/core/contracts/contract-catalog';
import { ContractError } from '../../../../lambdas/core/errors';
import { InMemoryObjectStore } from '../../../fixtures/in-memory-object-store';

const BUCKET = 'artifacts-bucket';
const PREFIX = 'contracts/';
const TRAINING_KEY = 'contracts/sales-preprocessing-training_data.yaml';
const RAW_KEY = 'contracts/sales-ingestion-raw_orders.yaml';
const sample = (file: string): string =>
  readFileSync(join(import.meta.dirname, '../../../../contracts', file), 'utf8');

function seededStore(): InMemoryObjectStore {
  const store = new InMemoryObjectStore(16);
  store.put(BUCKET, TRAINING_KEY, sample('sales-preprocessing-training_data.yaml'));
  store.put(BUCKET, RAW_KEY, sample('sales-ingestion-raw_orders.yaml'));
  return store;
}

/** A clock the test moves by hand. */
function manualClock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('ContractCatalog', () => {
  describe('snapshot', () => {
    it('lists and parses every contract under the prefix', async () => {
      // Prepare
      const catalog = new ContractCatalog(seededStore(), BUCKET, PREFIX);

      // Act
      const snapshot = await catalog.snapshot();

      // Assess
      expect(snapshot.broken).toEqual([]);
      expect(
        snapshot.entries.map((e) => [
          e.key,
          `${e.contract.pipeline}/${e.contract.step}/${e.contract.output}`,
        ]),
      ).toEqual([
        [RAW_KEY, 'sales/ingestion/raw_orders'],
        [TRAINING_KEY, 'sales/preprocessing/training_data'],
      ]);
    });

    it('reads .yml, .yaml and .json files and skips everything else', async () => {
      // Prepare
      const store = new InMemoryObjectStore();
      const json = JSON.stringify({
        pipeline: 'p',
        step: 's',
        output: 'json',
        path: 'j/',
        schema: [{ name: 'x', type: 'string' }],
      });
      const yml = 'pipeline: p\nstep: s\noutput: yml\npath: y/\nschema: [{ name: x, type: string }]\n';
      store.put(BUCKET, 'contracts/a.json', json);
      store.put(BUCKET, 'contracts/b.YML', yml);
      store.put(BUCKET, 'contracts/README.md', '# not a contract');
      store.put(BUCKET, 'contracts/notes.txt', 'pipeline: nope');
      store.put(BUCKET, 'elsewhere/c.yaml', yml.replace('yml', 'elsewhere'));
      const catalog = new ContractCatalog(store, BUCKET, PREFIX);

      // Act
      const snapshot = await catalog.snapshot();

      // Assess
      expect(snapshot.entries.map((e) => e.contract.output)).toEqual(['json', 'yml']);
      expect(snapshot.broken).toEqual([]);
      expect(store.calls.flatMap((c) => (c.op === 'read' ? [c.key] : []))).toEqual([
        'contracts/a.json',
        'contracts/b.YML',
      ]);
    });

    it('sets a broken contract aside with its error and keeps the others', async () => {
      // Prepare
      const store = seededStore();
      store.put(
        BUCKET,
        'contracts/broken.yaml',
        'pipeline: sales\nstep: s\noutput: o\npath: x/\nschema:\n  - { name: a, type: integer }\n',
      );
      const catalog = new ContractCatalog(store, BUCKET, PREFIX);

      // Act
      const snapshot = await catalog.snapshot();

      // Assess
      expect(snapshot.entries.map((e) => e.key)).toEqual([RAW_KEY, TRAINING_KEY]);
      expect(snapshot.broken.map((b) => b.key)).toEqual(['contracts/broken.yaml']);
      expect(snapshot.broken[0]?.error).toMatch(
        /^contracts\/broken\.yaml: line 6: schema\[0\]\.type: 'integer' is not a type; expected one of string, /,
      );
    });

    it('sets aside a contract that is not valid YAML', async () => {
      // Prepare
      const store = new InMemoryObjectStore();
      store.put(BUCKET, 'contracts/bad.yaml', 'pipeline: [unclosed\n');
      const catalog = new ContractCatalog(store, BUCKET, PREFIX);

      // Act
      const snapshot = await catalog.snapshot();

      // Assess
      expect(snapshot.entries).toEqual([]);
      expect(snapshot.broken).toHaveLength(1);
      expect(snapshot.broken[0]?.error).toContain('not valid YAML/JSON');
    });

    it('decodes contracts split across read chunks inside multi-byte characters', async () => {
      // Prepare: 1-byte chunks split every multi-byte character of the description
      const store = new InMemoryObjectStore(1);
      store.put(
        BUCKET,
        'contracts/u.yaml',
        'pipeline: p\nstep: s\noutput: o\ndescription: Zoë’s 🌍 data\npath: u/\nschema: [{ name: x, type: string }]\n',
      );
      const catalog = new ContractCatalog(store, BUCKET, PREFIX);

      // Act
      const snapshot = await catalog.snapshot();

      // Assess
      expect(snapshot.broken).toEqual([]);
      expect(snapshot.entries).toHaveLength(1);
    });

    it('lists the prefix once within the TTL', async () => {
      // Prepare
      const store = seededStore();
      const clock = manualClock();
      const catalog = new ContractCatalog(store, BUCKET, PREFIX, 60_000, clock.now);
      const first = await catalog.snapshot();
      clock.advance(59_999);

      // Act
      const second = await catalog.snapshot();

      // Assess
      expect(second).toBe(first);
      expect(store.calls.filter((c) => c.op === 'list')).toHaveLength(1);
    });

    it('lists again once the TTL has passed and sees edited contracts', async () => {
      // Prepare
      const store = seededStore();
      const clock = manualClock();
      const catalog = new ContractCatalog(store, BUCKET, PREFIX, 60_000, clock.now);
      await catalog.snapshot();
      store.put(
        BUCKET,
        'contracts/new.yaml',
        'pipeline: p\nstep: s\noutput: fresh\npath: n/\nschema: [{ name: x, type: string }]\n',
      );
      clock.advance(60_000);

      // Act
      const snapshot = await catalog.snapshot();

      // Assess
      expect(store.calls.filter((c) => c.op === 'list')).toHaveLength(2);
      expect(snapshot.entries.map((e) => e.contract.output)).toContain('fresh');
    });

    it('lists the bucket and prefix it was given', async () => {
      // Prepare
      const store = seededStore();
      const catalog = new ContractCatalog(store, BUCKET, PREFIX);

      // Act
      await catalog.snapshot();

      // Assess
      expect(store.calls[0]).toEqual({ op: 'list', bucket: BUCKET, prefix: PREFIX });
    });

    it('lets errors other than contract errors through', async () => {
      // Prepare
      const store = seededStore();
      store.read = () => Promise.reject(new Error('S3 is down'));
      const catalog = new ContractCatalog(store, BUCKET, PREFIX);

      // Act
      const act = catalog.snapshot();

      // Assess
      await expect(act).rejects.toThrow('S3 is down');
    });
  });

  describe('get', () => {
    it('parses a contract by key once and then serves it from memory', async () => {
      // Prepare
      const store = seededStore();
      const catalog = new ContractCatalog(store, BUCKET, PREFIX);

      // Act
      const first = await catalog.get(TRAINING_KEY);
      const second = await catalog.get(TRAINING_KEY);

      // Assess
      expect(first.output).toBe('training_data');
      expect(second).toBe(first);
      expect(store.calls.filter((c) => c.op === 'read')).toHaveLength(1);
    });

    it('reuses contracts the snapshot already parsed', async () => {
      // Prepare
      const store = seededStore();
      const catalog = new ContractCatalog(store, BUCKET, PREFIX);
      const snapshot = await catalog.snapshot();
      const readsBefore = store.calls.filter((c) => c.op === 'read').length;

      // Act
      const contract = await catalog.get(RAW_KEY);

      // Assess
      expect(contract).toBe(snapshot.entries.find((e) => e.key === RAW_KEY)?.contract);
      expect(store.calls.filter((c) => c.op === 'read')).toHaveLength(readsBefore);
    });

    it('throws a ContractError for a broken contract', async () => {
      // Prepare
      const store = new InMemoryObjectStore();
      store.put(BUCKET, 'contracts/broken.yaml', 'pipeline: p\n');
      const catalog = new ContractCatalog(store, BUCKET, PREFIX);

      // Act
      const act = catalog.get('contracts/broken.yaml');

      // Assess
      await expect(act).rejects.toBeInstanceOf(ContractError);
      await expect(act).rejects.toThrow(/^contracts\/broken\.yaml: /);
    });
  });
});
