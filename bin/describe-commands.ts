/**
 * Prints, as JSON, what the top-level `prt --help` shows of each command. The build runs it once and
 * stores the result beside the compiled CLI, which then answers `prt --help` without loading the
 * command modules (lib/cli/command-summaries.ts).
 */
import { Command } from 'commander';
import { registerCommands } from '../lib/cli/command-table';
import { summarizeCommands } from '../lib/cli/command-summaries';

const program = new Command();
await registerCommands(program, undefined);
process.stdout.write(`${JSON.stringify(summarizeCommands(program), null, 2)}\n`);
