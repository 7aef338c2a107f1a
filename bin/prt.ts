/**
 * `prt`: the command-line face of Pipeline Runtime Testing. Each command is a thin adapter over
 * the same core the Lambdas run.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerCommands } from '../lib/cli/command-table';
import { isTopLevelHelp, parseSummaries, registerSummaries } from '../lib/cli/command-summaries';

/**
 * The command summaries the build writes beside the compiled CLI (bin/build.mjs); absent when this
 * file runs from source, which then loads every command module to list them.
 */
function builtSummaries(): ReturnType<typeof parseSummaries> {
  try {
    return parseSummaries(readFileSync(new URL('./commands.json', import.meta.url), 'utf8'));
  } catch {
    return undefined;
  }
}

const program = new Command()
  .name('prt')
  .description('Pipeline Runtime Testing: test every pipeline output the moment it lands in S3.')
  .showHelpAfterError()
  .exitOverride();

const args = process.argv.slice(2);
const summaries = isTopLevelHelp(args) ? builtSummaries() : undefined;
if (summaries !== undefined) registerSummaries(program, summaries);
else await registerCommands(program, args[0]);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode === 1 ? 2 : error.exitCode);
  console.error(`prt: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
}
