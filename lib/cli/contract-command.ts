/**
 * `prt contract check <files or folders...>`: loads each contract and reports every problem with
 * its line, then resolves every `inputs` edge against the contracts around it (the folders given,
 * and the folder of each file given): an input no contract produces is an error, because lineage,
 * input staging and generation across steps would all follow an edge to nowhere.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { formatTable } from './reporting/text-table';
import {
  contractJsonSchema,
  contractLine,
  diffContracts,
  levelRank,
  type ContractDiff,
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

/** The contracts among `files` that load; one that does not is left out (`contract check` reports it). */
function contractsThatLoad(files: Iterable<string>): OutputContract[] {
  const contracts: OutputContract[] = [];
  for (const file of files) {
    try {
      contracts.push(parseContract(readFileSync(file, 'utf8'), file));
    } catch {
      // Not being checked here: it answers no edge and reads no output.
    }
  }
  return contracts;
}

export function checkContractFiles(paths: readonly string[], out: (line: string) => void): number {
  const given = paths.map((p) => ({ path: p, folder: isFolder(p) }));
  const checked = given.flatMap(({ path, folder }) => (folder ? contractFilesIn(path) : [path]));
  // The contracts an edge may point at: the folders given, and the folder of each file given,
  // each folder listed once however many of its files are named (a missing one holds none).
  const folders = new Set(given.map(({ path, folder }) => (folder ? path : dirname(path))));
  const around = new Set([...folders].filter((dir) => isFolder(dir)).flatMap((dir) => contractFilesIn(dir)));
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
  const neighbours = contractsThatLoad([...around].filter((file) => !loaded.has(file)));
  const produced = new Set(
    [...[...loaded.values()].map((l) => l.contract), ...neighbours].map((c) => logicalName(c)),
  );
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

/**
 * A contract's text from a file, or from git as `git:<ref>:<path>` (the version on main, say), so a
 * pull request's check can compare the contract before and after.
 */
function readContractText(location: string): string {
  const m = /^git:([^:]+):(.+)$/.exec(location);
  if (!m) return readFileSync(location, 'utf8');
  try {
    return execFileSync('git', ['show', `${m[1]}:${m[2]}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new ContractError(
      `cannot read ${m[2]} at ${m[1]} from git${stderr ? `: ${stderr}` : ''}`,
      location,
    );
  }
}

export interface DiffRun {
  readonly output: string;
  readonly diff: ContractDiff;
  /** The least level the output's readers accept: the old contract's `compatibility`. */
  readonly accepted: OutputContract['compatibility'];
  /** Contracts around the new one whose inputs name this output. */
  readonly consumers: readonly string[];
  readonly breaks: boolean;
}

/** Grades `next` against readers of `old`, and finds those readers among the contracts in `around`. */
export function diffContractFiles(oldLocation: string, newLocation: string, around: string): DiffRun {
  const old = parseContract(readContractText(oldLocation), oldLocation);
  const next = parseContract(readContractText(newLocation), newLocation);
  if (logicalName(old) !== logicalName(next))
    throw new ContractError(
      `compares ${logicalName(old)} with ${logicalName(next)}: both must describe the same output`,
      newLocation,
    );
  const output = logicalName(next);
  const consumers = contractsThatLoad(isFolder(around) ? contractFilesIn(around) : [])
    .filter((c) => c.inputs.some((i) => qualifiedName(c.pipeline, i) === output))
    .map((c) => logicalName(c));
  const diff = diffContracts(old, next);
  const accepted = old.compatibility;
  return { output, diff, accepted, consumers, breaks: levelRank(diff.level) > levelRank(accepted) };
}

function renderDiff(run: DiffRun, format: 'text' | 'markdown'): string {
  const { diff } = run;
  const verdict = run.breaks
    ? `BREAKING: ${diff.level}, below the ${run.accepted} its readers accept`
    : `ok: ${diff.level} (readers accept ${run.accepted})`;
  const readers = run.consumers.length > 0 ? run.consumers.join(', ') : 'none among the contracts here';
  const rows = diff.changes.map((c) => [c.column, c.change, c.level, c.castPlan ?? '']);
  const headers = ['column', 'change', 'level', 'cast plan'];
  if (format === 'markdown') {
    const cell = (t: string): string => t.replace(/\|/g, '\\|');
    return [
      `**${run.output}**: ${verdict}. Readers: ${readers}.`,
      '',
      ...(rows.length === 0
        ? ['No column a reader sees changed.']
        : [
            `| ${headers.join(' | ')} |`,
            `| ${headers.map(() => '---').join(' | ')} |`,
            ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
          ]),
    ].join('\n');
  }
  return [
    `${run.output}: ${verdict}`,
    `readers: ${readers}`,
    ...(rows.length === 0 ? ['no column a reader sees changed'] : ['', formatTable(headers, rows)]),
  ].join('\n');
}

function diffFormat(value: string): 'text' | 'markdown' | 'json' {
  if (value === 'text' || value === 'markdown' || value === 'json') return value;
  throw new InvalidArgumentError('text, markdown or json');
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
    .command('diff')
    .description(
      "grade a contract change for the steps that read the output; exit 1 below the old contract's compatibility",
    )
    .argument('<old>', 'the contract before: a file or git:<ref>:<path>')
    .argument('<new>', 'the contract after: a file or git:<ref>:<path>')
    .option(
      '--consumers <dir>',
      "folder of contracts whose inputs name readers (default: the new contract's folder)",
    )
    .option('--format <format>', 'text, markdown (for a pull request) or json', diffFormat, 'text')
    .action(
      (
        oldLocation: string,
        newLocation: string,
        options: { consumers?: string; format: 'text' | 'markdown' | 'json' },
      ) => {
        try {
          // Readers are looked for beside the new contract (for git:<ref>:<path>, beside <path>).
          const around = options.consumers ?? dirname(newLocation.replace(/^git:[^:]+:/, ''));
          const run = diffContractFiles(oldLocation, newLocation, around);
          console.log(
            options.format === 'json' ? JSON.stringify(run, null, 2) : renderDiff(run, options.format),
          );
          process.exitCode = run.breaks ? 1 : 0;
        } catch (error) {
          console.error(`prt contract diff: ${error instanceof Error ? error.message : String(error)}`);
          process.exitCode = 2;
        }
      },
    );
  contract
    .command('schema')
    .description(
      'print the JSON Schema of contract files (the copy in docs/contract.schema.json is generated from it)',
    )
    .action(() => {
      console.log(JSON.stringify(contractJsonSchema(), null, 2));
    });
}
