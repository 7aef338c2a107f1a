/**
 * What `prt --help` shows of each command (its name, aliases, summary, arguments and whether it has
 * options), recorded when the CLI is built so that the top-level help can be printed without loading
 * the command modules: loading them all takes over a second, while the list itself is a few lines.
 * Help for one command (`prt convert --help`) still loads that command's module.
 */
import { Command } from 'commander';

export interface CommandSummary {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly summary: string;
  readonly description: string;
  /** As help shows them: `<file>`, `[names...]`. */
  readonly arguments: readonly string[];
  readonly options: readonly { readonly flags: string; readonly description: string }[];
}

/** The visible top-level commands registered on `program`, in the order help lists them. */
export function summarizeCommands(program: Command): CommandSummary[] {
  // visibleCommands adds the implicit `help` command, which a rebuilt program gets by itself.
  const visible = new Set(program.createHelp().visibleCommands(program));
  return program.commands
    .filter((cmd) => visible.has(cmd))
    .map((cmd) => ({
      name: cmd.name(),
      aliases: cmd.aliases(),
      summary: cmd.summary(),
      description: cmd.description(),
      arguments: cmd.registeredArguments.map((arg) => {
        const name = `${arg.name()}${arg.variadic ? '...' : ''}`;
        return arg.required ? `<${name}>` : `[${name}]`;
      }),
      options: cmd.options.map((option) => ({ flags: option.flags, description: option.description })),
    }));
}

/**
 * Registers a stand-in for each summarized command: enough for the program's help to list it exactly
 * as the real command, and nothing to run (no action), so it serves only a help-only command line.
 */
export function registerSummaries(program: Command, summaries: readonly CommandSummary[]): void {
  for (const s of summaries) {
    const cmd = program.command(s.name).description(s.description);
    if (s.summary !== '') cmd.summary(s.summary);
    if (s.aliases.length > 0) cmd.aliases(s.aliases);
    for (const arg of s.arguments) cmd.argument(arg);
    for (const option of s.options) cmd.option(option.flags, option.description);
  }
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function isSummary(value: unknown): value is CommandSummary {
  return (
    typeof value === 'object' &&
    value !== null &&
    'name' in value &&
    typeof value.name === 'string' &&
    'summary' in value &&
    typeof value.summary === 'string' &&
    'description' in value &&
    typeof value.description === 'string' &&
    'aliases' in value &&
    isStringArray(value.aliases) &&
    'arguments' in value &&
    isStringArray(value.arguments) &&
    'options' in value &&
    Array.isArray(value.options) &&
    value.options.every(
      (o: unknown) =>
        typeof o === 'object' &&
        o !== null &&
        'flags' in o &&
        typeof o.flags === 'string' &&
        'description' in o &&
        typeof o.description === 'string',
    )
  );
}

/** The summaries in `text` (JSON), or undefined when it is not a well-formed list of them. */
export function parseSummaries(text: string): CommandSummary[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return Array.isArray(value) && value.length > 0 && value.every(isSummary) ? value : undefined;
}

/** True for the command lines whose whole output is the top-level help (or its usage error). */
export function isTopLevelHelp(args: readonly string[]): boolean {
  return args.length === 0 || (args.length === 1 && ['--help', '-h', 'help'].includes(args[0]!));
}
