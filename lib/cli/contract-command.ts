/** `prt contract check <files...>`: loads each contract and reports every problem with its line. */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { parseContract, logicalName, contractJsonSchema } from '../../lambdas/core/contracts';
import { ContractError } from '../../lambdas/core/errors';

export function checkContractFiles(files: readonly string[], out: (line: string) => void): number {
  let failures = 0;
  for (const file of files) {
    try {
      const contract = parseContract(readFileSync(file, 'utf8'), file);
      out(
        `ok    ${file}  ${logicalName(contract)} (${contract.schema.length} columns, ${contract.quality.length} rules)`,
      );
    } catch (error) {
      failures++;
      if (error instanceof ContractError) out(`error ${error.message}`);
      else out(`error ${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return failures;
}

export function registerContractCommands(program: Command): void {
  const contract = program.command('contract').description('work with data contracts');
  contract
    .command('check')
    .description('validate contract files (YAML or JSON); exit 1 when any is invalid')
    .argument('<files...>', 'contract files')
    .action((files: string[]) => {
      const failures = checkContractFiles(files, (line) => console.log(line));
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
