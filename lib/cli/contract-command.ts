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
  consumersOf,
  contractLine,
  diffContracts,
  expectationOf,
  gradeEdge,
  type EdgeGrade,
  levelRank,
  type ContractDiff,
  loadContract,
  logicalName,
  parseContract,
  qualifiedName,
  type OutputContract,
} from '../../lambdas/core/contracts';
import { ContractError } from '../../lambdas/core/errors';
import { registerContractStandardCommands, warningLine } from './contract-standard-command';

const CONTRACT_FILE = /\.(ya?ml|json)$/i;

/**
 * How far the walk for contract files goes: a contracts folder holds a few hundred files a few
 * folders deep, while a file named in a large folder (a home directory, /tmp) would otherwise have
 * every file under it listed. Past either bound the command stops and says where to point it.
 */
export const CONTRACT_WALK_LIMITS = { maxDepth: 8, maxEntries: 20_000 } as const;

/** Contract files under a folder, at most maxDepth folders down, in a stable order. */
function contractFilesIn(
  dir: string,
  limits: { maxDepth: number; maxEntries: number } = CONTRACT_WALK_LIMITS,
): string[] {
  const files: string[] = [];
  let entries = 0;
  const walk = (folder: string, depth: number): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (++entries > limits.maxEntries)
        throw new ContractError(
          `${dir} holds more than ${limits.maxEntries} files and folders: point the command at the contracts folder itself`,
        );
      // Hidden folders and installed packages hold no contracts of the project.
      if (entry.isDirectory()) {
        if (depth < limits.maxDepth && !entry.name.startsWith('.') && entry.name !== 'node_modules')
          walk(join(folder, entry.name), depth + 1);
      } else if (entry.isFile() && CONTRACT_FILE.test(entry.name)) files.push(join(folder, entry.name));
    }
  };
  walk(dir, 0);
  return files.sort();
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

/** The contracts in a folder (at any depth) that load: the ones whose inputs may read an output. */
export function contractsInFolder(dir: string): OutputContract[] {
  return isFolder(dir) ? contractsThatLoad(contractFilesIn(dir)) : [];
}

export interface CheckOptions {
  /** Check only the contracts of this pipeline (their inputs may be produced by any contract around). */
  readonly pipeline?: string;
}

export interface CheckRun {
  /** One line per contract checked: `ok ...` or `error ...` with its file and line. */
  readonly lines: readonly string[];
  /** Every edge resolved: a checked contract's input graded against its producer's contract. */
  readonly edges: readonly EdgeGrade[];
  /** Contracts that do not load, name an input no contract produces, or read one below what they accept. */
  readonly failures: number;
}

export function runContractCheck(paths: readonly string[], options: CheckOptions = {}): CheckRun {
  const lines: string[] = [];
  const out = (line: string): void => void lines.push(line);
  const edges: EdgeGrade[] = [];
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
      const { contract, warnings } = loadContract(text, file);
      loaded.set(file, { contract, text });
      // An ODCS document's parts prt does not use are named, never dropped in silence.
      for (const warning of warnings) out(`warn ${warningLine(file, warning)}`);
    } catch (error) {
      failures++;
      if (error instanceof ContractError) out(`error ${error.message}`);
      else out(`error ${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const neighbours = contractsThatLoad([...around].filter((file) => !loaded.has(file)));
  const producers = new Map(
    [...[...loaded.values()].map((l) => l.contract), ...neighbours].map((c) => [logicalName(c), c]),
  );
  let inPipeline = 0;
  for (const [file, { contract, text }] of loaded) {
    if (options.pipeline !== undefined && contract.pipeline !== options.pipeline) continue;
    inPipeline++;
    const dangling = contract.inputs
      .map((input, i) => ({ input, i, name: qualifiedName(contract.pipeline, input) }))
      .filter(({ name }) => !producers.has(name));
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
    let broken = 0;
    contract.inputs.forEach((input, i) => {
      const name = qualifiedName(contract.pipeline, input);
      const producer = producers.get(name)!;
      const edge = gradeEdge(
        { producer: name, columns: producer.schema, baseline: producer.schema },
        { contract, expectation: expectationOf(contract, name)! },
      );
      edges.push(edge);
      if (!edge.breaks) return;
      broken++;
      const line = contractLine(text, ['inputs', i]);
      out(
        `error ${file}: ${line !== undefined ? `line ${line}: ` : ''}inputs[${i}]: ${name} grades ${edge.level} for this step, below the ${edge.accepts} it accepts`,
      );
    });
    if (broken > 0) {
      failures++;
      continue;
    }
    out(
      `ok    ${file}  ${logicalName(contract)} (${contract.schema.length} columns, ${contract.quality.length} rules${contract.inputs.length > 0 ? `, ${contract.inputs.length} input(s) resolved` : ''})`,
    );
  }
  if (options.pipeline !== undefined && inPipeline === 0) {
    // Checking nothing is not a pass.
    failures++;
    out(`error no contract of pipeline '${options.pipeline}' among ${paths.join(', ')}`);
  }
  return { lines, edges, failures };
}

function edgeReads(edge: EdgeGrade): string {
  return edge.reads ? `${edge.reads.length} column(s)` : 'whole contract';
}

/** The edges as a table a reviewer reads, then the column grades of every edge that is not strict. */
export function renderEdges(
  edges: readonly EdgeGrade[],
  format: 'text' | 'markdown',
  /** Column grades of whole-contract readers too (a diff already lists them as its changes). */
  wholeContractDetails = true,
): string {
  const headers = ['producer', 'consumer', 'reads', 'level', 'accepts', 'verdict'];
  const rows = edges.map((e) => [
    e.producer,
    e.consumer,
    edgeReads(e),
    e.level,
    e.accepts,
    e.breaks ? `BREAKS (${e.onBreak})` : 'ok',
  ]);
  const detailHeaders = ['column', 'change', 'level', 'cast plan'];
  const details = edges
    .filter((e) => e.changes.length > 0 && (wholeContractDetails || e.reads !== undefined))
    .map((e) => ({
      title: `${e.producer} → ${e.consumer}`,
      rows: e.changes.map((c) => [c.column, c.change, c.level, c.castPlan ?? '']),
    }));
  if (format === 'markdown') {
    const cell = (t: string): string => t.replace(/\|/g, '\\|');
    const table = (h: readonly string[], r: readonly string[][]): string[] => [
      `| ${h.join(' | ')} |`,
      `| ${h.map(() => '---').join(' | ')} |`,
      ...r.map((row) => `| ${row.map(cell).join(' | ')} |`),
    ];
    return [
      ...(rows.length === 0 ? ['No input edges.'] : table(headers, rows)),
      ...details.flatMap((d) => ['', `**${cell(d.title)}**`, '', ...table(detailHeaders, d.rows)]),
    ].join('\n');
  }
  return [
    rows.length === 0 ? 'no input edges' : formatTable(headers, rows),
    ...details.flatMap((d) => ['', d.title, formatTable(detailHeaders, d.rows)]),
  ].join('\n');
}

export function checkContractFiles(
  paths: readonly string[],
  out: (line: string) => void,
  options: CheckOptions = {},
): number {
  const run = runContractCheck(paths, options);
  run.lines.forEach((line) => out(line));
  if (run.edges.length > 0) {
    out('');
    out(renderEdges(run.edges, 'text'));
  }
  return run.failures;
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
  /** The new contract graded for each consumer, as it declared it reads the output (or whole). */
  readonly edges: readonly EdgeGrade[];
  /** Below the old contract's compatibility, or below what some consumer accepts. */
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
  const readers = consumersOf(output, contractsThatLoad(isFolder(around) ? contractFilesIn(around) : []));
  const consumers = readers.map((r) => logicalName(r.contract));
  // The same grading as `contract check`: a consumer of the whole contract reads the old one.
  const edges = readers.map((r) =>
    gradeEdge({ producer: output, columns: next.schema, baseline: old.schema }, r),
  );
  const diff = diffContracts(old, next);
  const accepted = old.compatibility;
  const breaks = levelRank(diff.level) > levelRank(accepted) || edges.some((e) => e.breaks);
  return { output, diff, accepted, consumers, edges, breaks };
}

function renderDiff(run: DiffRun, format: 'text' | 'markdown'): string {
  const { diff } = run;
  const broken = run.edges.filter((e) => e.breaks).map((e) => e.consumer);
  const verdict =
    levelRank(diff.level) > levelRank(run.accepted)
      ? `BREAKING: ${diff.level}, below the ${run.accepted} its readers accept`
      : broken.length > 0
        ? `BREAKING for ${broken.join(', ')}: ${diff.level} overall (readers accept ${run.accepted})`
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
      ...(run.edges.length > 0 ? ['', renderEdges(run.edges, 'markdown', false)] : []),
    ].join('\n');
  }
  return [
    `${run.output}: ${verdict}`,
    `readers: ${readers}`,
    ...(rows.length === 0 ? ['no column a reader sees changed'] : ['', formatTable(headers, rows)]),
    ...(run.edges.length > 0 ? ['', renderEdges(run.edges, 'text', false)] : []),
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
      'validate contract files (YAML or JSON), resolve and grade the inputs they name; exit 1 when any is invalid or an edge is below what its consumer accepts',
    )
    .argument('<paths...>', 'contract files or folders of them')
    .option('--pipeline <name>', "check only this pipeline's contracts and the edges into them")
    .option('--format <format>', 'text, markdown (for a pull request) or json', diffFormat, 'text')
    .action((paths: string[], options: { pipeline?: string; format: 'text' | 'markdown' | 'json' }) => {
      const check = options.pipeline !== undefined ? { pipeline: options.pipeline } : {};
      if (options.format === 'text') {
        const failures = checkContractFiles(paths, (line) => console.log(line), check);
        process.exitCode = failures > 0 ? 1 : 0;
        return;
      }
      const run = runContractCheck(paths, check);
      console.log(
        options.format === 'json'
          ? JSON.stringify(run, null, 2)
          : [
              ...run.lines.map((l) => `- ${l.replace(/^ok +/, 'ok ')}`),
              '',
              renderEdges(run.edges, 'markdown'),
            ].join('\n'),
      );
      process.exitCode = run.failures > 0 ? 1 : 0;
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
  registerContractStandardCommands(contract);
  contract
    .command('schema')
    .description(
      'print the JSON Schema of contract files (the copy in docs/contract.schema.json is generated from it)',
    )
    .action(() => {
      console.log(JSON.stringify(contractJsonSchema(), null, 2));
    });
}
