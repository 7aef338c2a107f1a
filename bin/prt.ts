/**
 * `prt`: the command-line face of Pipeline Runtime Testing. Each command is a thin adapter over
 * the same core the Lambdas run.
 */
import { Command, CommanderError } from 'commander';
import { registerCacheCommands } from '../lib/cli/cache-command';
import { registerContractCommands } from '../lib/cli/contract-command';
import { registerConvertCommand } from '../lib/cli/convert-command';
import { registerGenerateCommand } from '../lib/cli/generate-command';
import { registerInferCommand } from '../lib/cli/infer-command';
import { registerValidateCommand } from '../lib/cli/validate-command';
import { registerLocalCommand } from '../lib/cli/local-command';
import { registerDownloadCommand } from '../lib/cli/download-command';
import { registerInputsCommands } from '../lib/cli/inputs-command';
import { registerLineageCommand } from '../lib/cli/lineage-command';
import { registerOutputsCommand } from '../lib/cli/outputs-command';

const program = new Command()
  .name('prt')
  .description('Pipeline Runtime Testing: test every pipeline output the moment it lands in S3.')
  .showHelpAfterError()
  .exitOverride();

registerLocalCommand(program);
registerContractCommands(program);
registerConvertCommand(program);
registerGenerateCommand(program);
registerOutputsCommand(program);
registerDownloadCommand(program);
registerCacheCommands(program);
registerLineageCommand(program);
registerInputsCommands(program);
registerInferCommand(program);
registerValidateCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode === 1 ? 2 : error.exitCode);
  console.error(`prt: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
}
