/**
 * The `prt` commands and where each one's module is. Each module is loaded only when its command
 * runs: together they pull in both AWS SDK clients, Arrow, Parquet, faker and the embedded stack's
 * servers, which cost a second or more of start-up that `prt outputs` or `prt download` never use.
 */
import type { Command } from 'commander';

export type RegisterCommand = (program: Command) => void;

/** In the order `prt --help` lists them. */
export const COMMANDS: Readonly<Record<string, () => Promise<RegisterCommand>>> = {
  local: async () => (await import('./local-command')).registerLocalCommand,
  canary: async () => (await import('./canary-command')).registerCanaryCommand,
  contract: async () => (await import('./contract-command')).registerContractCommands,
  convert: async () => (await import('./convert-command')).registerConvertCommand,
  generate: async () => (await import('./generate-command')).registerGenerateCommand,
  outputs: async () => (await import('./outputs-command')).registerOutputsCommand,
  history: async () => (await import('./history-command')).registerHistoryCommand,
  download: async () => (await import('./download-command')).registerDownloadCommand,
  cache: async () => (await import('./cache-command')).registerCacheCommands,
  lineage: async () => (await import('./lineage-command')).registerLineageCommand,
  report: async () => (await import('./report-command')).registerReportCommand,
  inputs: async () => (await import('./inputs-command')).registerInputsCommands,
  infer: async () => (await import('./infer-command')).registerInferCommand,
  validate: async () => (await import('./validate-command')).registerValidateCommand,
};

/**
 * Registers the named command on `program`, or every command when `name` is not one of them (help,
 * and an unknown command, whose error lists them all).
 */
export async function registerCommands(program: Command, name: string | undefined): Promise<void> {
  const loaders =
    name !== undefined && Object.hasOwn(COMMANDS, name) ? [COMMANDS[name]!] : Object.values(COMMANDS);
  for (const register of await Promise.all(loaders.map((load) => load()))) register(program);
}
