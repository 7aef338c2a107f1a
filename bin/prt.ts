/**
 * `prt`: the command-line face of Pipeline Runtime Testing. Each command is a thin adapter over
 * the same core the Lambdas run.
 */
import { Command, CommanderError } from 'commander';

type Register = (program: Command) => void;

/**
 * Each command's module, loaded only when that command runs: together they pull in both AWS SDK
 * clients, Arrow, Parquet, faker and the embedded stack's servers, which cost a second or more of
 * start-up that `prt outputs` or `prt download` never use. Help, and anything that is not a known
 * command, loads them all, in this order (the order `prt --help` lists them).
 */
const COMMANDS: Readonly<Record<string, () => Promise<Register>>> = {
  local: async () => (await import('../lib/cli/local-command')).registerLocalCommand,
  contract: async () => (await import('../lib/cli/contract-command')).registerContractCommands,
  convert: async () => (await import('../lib/cli/convert-command')).registerConvertCommand,
  generate: async () => (await import('../lib/cli/generate-command')).registerGenerateCommand,
  outputs: async () => (await import('../lib/cli/outputs-command')).registerOutputsCommand,
  download: async () => (await import('../lib/cli/download-command')).registerDownloadCommand,
  cache: async () => (await import('../lib/cli/cache-command')).registerCacheCommands,
  lineage: async () => (await import('../lib/cli/lineage-command')).registerLineageCommand,
  inputs: async () => (await import('../lib/cli/inputs-command')).registerInputsCommands,
  infer: async () => (await import('../lib/cli/infer-command')).registerInferCommand,
  validate: async () => (await import('../lib/cli/validate-command')).registerValidateCommand,
};

const program = new Command()
  .name('prt')
  .description('Pipeline Runtime Testing: test every pipeline output the moment it lands in S3.')
  .showHelpAfterError()
  .exitOverride();

const requested = process.argv[2];
const load =
  requested !== undefined && Object.hasOwn(COMMANDS, requested)
    ? [COMMANDS[requested]!]
    : Object.values(COMMANDS);
for (const register of await Promise.all(load.map((loader) => loader()))) register(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode === 1 ? 2 : error.exitCode);
  console.error(`prt: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
}
