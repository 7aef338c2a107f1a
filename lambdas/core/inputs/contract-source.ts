/**
 * Where a command-line user's contracts come from: a local folder (the repository's `contracts/`)
 * or the artifacts bucket the deployed functions read (`s3://bucket/contracts/`). Broken files are
 * reported beside the good ones, as the catalog does for the functions.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { ContractCatalog } from '../contracts/contract-catalog';
import type { OutputContract } from '../contracts/output-contract';
import { parseContract } from '../contracts/parse-contract';
import { ContractError } from '../errors';
import type { ObjectStore } from '../storage/object-store';

export interface LoadedContracts {
  /** Where they were read from, for messages. */
  readonly source: string;
  readonly contracts: readonly OutputContract[];
  readonly broken: readonly { readonly file: string; readonly error: string }[];
}

const CONTRACT_FILE = /\.(ya?ml|json)$/i;

export async function loadContractDirectory(dir: string): Promise<LoadedContracts> {
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch (error) {
    throw new ContractError(
      `cannot read the contracts folder ${dir}: ${(error as Error).message}; pass --contracts <folder | s3://bucket/prefix/>`,
    );
  }
  const contracts: OutputContract[] = [];
  const broken: { file: string; error: string }[] = [];
  for (const entry of entries
    .filter((e) => e.isFile() && CONTRACT_FILE.test(e.name))
    .sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(entry.parentPath, entry.name);
    const file = relative(process.cwd(), path) || path;
    try {
      contracts.push(parseContract(await readFile(path, 'utf8'), file));
    } catch (error) {
      if (!(error instanceof ContractError)) throw error;
      broken.push({ file, error: error.message });
    }
  }
  return { source: dir, contracts, broken };
}

export async function loadContractBucket(
  store: ObjectStore,
  bucket: string,
  prefix: string,
): Promise<LoadedContracts> {
  const snapshot = await new ContractCatalog(store, bucket, prefix).snapshot();
  return {
    source: `s3://${bucket}/${prefix}`,
    contracts: snapshot.entries.map((e) => e.contract),
    broken: snapshot.broken.map((b) => ({ file: b.key, error: b.error })),
  };
}
