/**
 * The top-level `prt --help` of the compiled CLI comes from command summaries recorded at build time
 * rather than from the command modules: it must read exactly as the help of the real commands, and
 * a damaged summaries file must be refused (the CLI then loads the real commands).
 */
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import {
  isTopLevelHelp,
  parseSummaries,
  registerSummaries,
  summarizeCommands,
} from '../../../lib/cli/command-summaries';
import { COMMANDS, registerCommands } from '../../../lib/cli/command-table';

function newProgram(): Command {
  return new Command().name('prt').description('top-level description').exitOverride();
}

describe('command summaries', () => {
  it('rebuild the top-level help of the real commands line for line', async () => {
    // Prepare
    const real = newProgram();
    await registerCommands(real, undefined);
    const recorded = parseSummaries(JSON.stringify(summarizeCommands(real)));

    // Act
    const rebuilt = newProgram();
    registerSummaries(rebuilt, recorded ?? []);

    // Assess
    expect(recorded?.map((s) => s.name)).toEqual(Object.keys(COMMANDS));
    expect(rebuilt.helpInformation()).toBe(real.helpInformation());
  });

  it('keep aliases, summaries, optional and variadic arguments and the options marker', () => {
    // Prepare
    const real = newProgram();
    real
      .command('copy')
      .alias('cp')
      .summary('copy objects')
      .description('copy objects, at length')
      .argument('<from>')
      .argument('[to...]')
      .option('--dry-run', 'show what would be copied');
    real.command('hidden-one', { hidden: true }).description('not listed');
    real.command('bare').description('no arguments, no options');

    // Act
    const summaries = summarizeCommands(real);
    const rebuilt = newProgram();
    registerSummaries(rebuilt, summaries);

    // Assess
    expect(summaries.map((s) => s.name)).toEqual(['copy', 'bare']);
    expect(rebuilt.helpInformation()).toBe(real.helpInformation());
    expect(rebuilt.helpInformation()).toContain('copy|cp [options] <from> [to...]');
  });

  it('register stand-ins that only print help', async () => {
    // Prepare
    const program = newProgram().configureOutput({ writeOut: () => undefined });
    registerSummaries(program, [
      { name: 'run', aliases: [], summary: '', description: 'runs', arguments: [], options: [] },
    ]);

    // Act
    const outcome = program.parseAsync(['node', 'prt', '--help']).then(
      () => 'parsed',
      (error: unknown) => error,
    );

    // Assess
    const error = await outcome;
    expect(error).toBeInstanceOf(CommanderError);
    expect(error).toMatchObject({ code: 'commander.helpDisplayed', exitCode: 0 });
  });

  it.each([
    ['not JSON', '{'],
    ['not a list', '{"name":"x"}'],
    ['an empty list', '[]'],
    ['a summary without options', '[{"name":"x","aliases":[],"summary":"","description":"","arguments":[]}]'],
    [
      'an option without flags',
      '[{"name":"x","aliases":[],"summary":"","description":"","arguments":[],"options":[{"description":""}]}]',
    ],
    [
      'a number for a name',
      '[{"name":1,"aliases":[],"summary":"","description":"","arguments":[],"options":[]}]',
    ],
  ])('refuse %s', (_what, text) => {
    // Prepare / Act / Assess
    expect(parseSummaries(text)).toBeUndefined();
  });

  it.each([
    [[], true],
    [['--help'], true],
    [['-h'], true],
    [['help'], true],
    [['help', 'convert'], false],
    [['convert', '--help'], false],
    [['--help', 'convert'], false],
    [['outputs'], false],
  ])('treat %j as top-level help: %s', (args, expected) => {
    // Prepare / Act / Assess
    expect(isTopLevelHelp(args)).toBe(expected);
  });
});
