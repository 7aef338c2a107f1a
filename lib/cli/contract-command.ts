/**
 * `prt contract check <files or folders...>`: loads each contract and reports every problem with
 * its line, then resolves every `inputs` edge against the contracts around it (the folders given,
 * and the folder of each file given): an input no contract produces is an error, because lineage,
 * input staging and generation across steps would all follow an edge to nowhere.
 */
import type { Command } from 'commander';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  contractJsonSchema,
  contractLine,
  logicalName,
  parseContract,
  qualifiedName,
  type OutputContract,
} from '../../lambdas/core/contracts';
import { ContractError } from '../../lambdas/core/errors';

const CONTRACT_FILE = /\.(ya?ml|json)$/i;

/** Contract files under a folder, at any depth, in a stable order. */
function contractFilesIn(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && CONTRACT_FILE.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false; // a missing path is reported when it is read, as a file
  }
}

export function checkContractFiles(paths: readonly string[], out: (line: string) => void): number {
  const checked = paths.flatMap((p) => (isFolder(p) ? contractFilesIn(p) : [p]));
  // The contracts an edge may point at: the folders given, and the folder of each file given.
  const around = new Set<string>(
    paths.flatMap((p) => (isFolder(p) ? contractFilesIn(p) : contractFilesIn(dirname(p)))),
  );
  let failures = 0;
  const loaded = new Map<string, { contract: OutputContract; text: string }>();
  for (const file of checked) {
    try {
      const text = readFileSync(file, 'utf8');
      loaded.set(file, { contract: parseContract(text, file), text });
    } catch (error) {
      failures++;
      if (error instanceof ContractError) out(`error ${error.message}`);
      else out(`error ${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const produced = new Set<string>();
  for (const { contract } of loaded.values()) produced.add(logicalName(contract));
  for (const file of around) {
    if (loaded.has(file)) continue;
    try {
      produced.add(logicalName(parseContract(readFileSync(file, 'utf8'), file)));
    } catch {
      // A neighbour that does not load is not being checked; it answers no edge.
    }
  }
  for (const [file, { contract, text }] of loaded) {
    const dangling = contract.inputs
      .map((input, i) => ({ input, i, name: qualifiedName(contract.pipeline, input) }))
      .filter(({ name }) => !produced.has(name));
    for (const { input, i, name } of dangling) {
      const line = contractLine(text, ['inputs', i]);
      out(
        `error ${file}: ${line !== undefined ? `line ${line}: ` : ''}inputs[${i}]: '${input}' is produced by no contract here (${name})`,
      );
    }
    if (dangling.length > 0) {
      failures++;
      continue;
    }
    out(
      `ok    ${file}  ${logicalName(contract)} (${contract.schema.length} columns, ${contract.quality.length} rules${contract.inputs.length > 0 ? `, ${contract.inputs.length} input(s) resolved` : ''})`,
    );
  }
  return failures;
}

export function registerContractCommands(program: Command): void {
  const contract = program.command('contract').description('work with data contracts');
  contract
    .command('check')
    .description(
      'validate contract files (YAML or JSON) and the inputs they name; exit 1 when any is invalid',
    )
    .argument('<paths...>', 'contract files or folders of them')
    .action((paths: string[]) => {
      const failures = checkContractFiles(paths, (line) => console.log(line));
      process.exitCode = failures > 0 ? 1 : 0;
    });
  contract
    .command('schema')
    .description(
      'print the JSON Schema of contract files (the copy in docs/contract.schema.json is generated from it)',
    )
    .action(() => {
      console.log(JSON.stringify(contractJsonSchema(), null, 2));
    });
}
