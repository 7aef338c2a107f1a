/**
 * The expectations of the contracts in a folder, read when the CDK app synthesizes: one schedule is
 * deployed per scheduled expectation, and the sweep of relative waits only where some contract has
 * one. The same folder is deployed as the contracts the functions read (ArtifactsBucket), so the
 * schedules and the checks see the same contracts.
 *
 * Bounded: at most MAX_CONTRACT_FILES files, MAX_DEPTH folders down, hidden folders and
 * node_modules skipped; a contract that does not load stops the synth with its error, because a
 * deployment without its schedules would leave missing outputs unseen.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadContract, logicalName } from '../core/contracts';

export const MAX_CONTRACT_FILES = 2000;
export const MAX_DEPTH = 8;

export interface DeployedSchedule {
  /** `pipeline/step/output`. */
  readonly output: string;
  /** Position in the contract's `expected` list. */
  readonly index: number;
  /** The cron EventBridge Scheduler is given (UTC). */
  readonly cron: string;
  readonly graceSeconds: number;
  /** The contract file, relative to the folder. */
  readonly file: string;
}

export interface FolderExpectations {
  readonly schedules: readonly DeployedSchedule[];
  /** How many relative (`after:`) expectations the contracts declare. */
  readonly relative: number;
}

function contractFiles(folder: string): string[] {
  const files: string[] = [];
  const walk = (dir: string, depth: number): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (depth < MAX_DEPTH) walk(path, depth + 1);
      } else if (/\.(ya?ml|json)$/i.test(entry.name)) {
        files.push(path);
        if (files.length > MAX_CONTRACT_FILES)
          throw new Error(
            `${folder} holds more than ${MAX_CONTRACT_FILES} contract files; the expected-output schedules are read from at most that many`,
          );
      }
    }
  };
  walk(folder, 0);
  return files;
}

export function expectationsInFolder(folder: string): FolderExpectations {
  const schedules: DeployedSchedule[] = [];
  let relativeCount = 0;
  for (const path of contractFiles(folder)) {
    const file = relative(folder, path);
    const { contract } = loadContract(readFileSync(path, 'utf8'), file);
    for (const e of contract.expected ?? []) {
      if (e.kind === 'after') relativeCount++;
      else
        schedules.push({
          output: logicalName(contract),
          index: e.index,
          cron: e.schedule.cron,
          graceSeconds: e.graceSeconds,
          file,
        });
    }
  }
  return { schedules, relative: relativeCount };
}
