/**
 * `prt contract export --to odcs|jsonschema <contract>` and `prt contract import <odcs.yaml>`:
 * a prt contract written in the Open Data Contract Standard (v3.1.0) or as the JSON Schema of one
 * record, and an ODCS document written as a prt contract. An import lists on stderr every part of
 * the document prt does not use, by path and line; the prt YAML printed is known to load.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import {
  DEFAULT_EXPORT_BUCKET,
  exportOdcs,
  importOdcsContract,
  type OdcsImportOptions,
  type OdcsImportWarning,
  parseContract,
  rowJsonSchema,
} from '../../lambdas/core/contracts';

export type ExportTarget = 'odcs' | 'jsonschema';

export interface ExportOptions {
  readonly to: ExportTarget;
  readonly bucket?: string;
}

/** The exported document's text: ODCS as YAML (its usual form), a JSON Schema as JSON. */
export function exportContractFile(file: string, options: ExportOptions): string {
  const contract = parseContract(readFileSync(file, 'utf8'), file);
  return options.to === 'odcs'
    ? stringify(exportOdcs(contract, options.bucket !== undefined ? { bucket: options.bucket } : {}), {
        lineWidth: 0,
      })
    : `${JSON.stringify(rowJsonSchema(contract), null, 2)}\n`;
}

/** One warning as a line: `<file>: line 12: schema[0].tags: tags: not mapped: ...`. */
export function warningLine(file: string, warning: OdcsImportWarning): string {
  return `${file}: ${warning.line !== undefined ? `line ${warning.line}: ` : ''}${warning.path}: ${warning.message}`;
}

/** The prt contract (YAML) of an ODCS document, with what the document holds that prt does not use. */
export function importContractFile(
  file: string,
  options: OdcsImportOptions = {},
): { yaml: string; warnings: readonly OdcsImportWarning[] } {
  const imported = importOdcsContract(readFileSync(file, 'utf8'), file, options);
  return { yaml: stringify(imported.file, { lineWidth: 0 }), warnings: imported.warnings };
}

function exportTarget(value: string): ExportTarget {
  if (value === 'odcs' || value === 'jsonschema') return value;
  throw new InvalidArgumentError('odcs or jsonschema');
}

function emit(text: string, out: string | undefined): void {
  if (out === undefined) process.stdout.write(text);
  else writeFileSync(out, text);
}

export function registerContractStandardCommands(contract: Command): void {
  contract
    .command('export')
    .description(
      'write a contract as an Open Data Contract Standard v3.1.0 document (odcs) or as the JSON Schema of one record (jsonschema)',
    )
    .argument('<contract>', 'a prt contract file (or an ODCS one)')
    .requiredOption('--to <target>', 'odcs or jsonschema', exportTarget)
    .option('--bucket <name>', 'bucket the ODCS s3 server names', DEFAULT_EXPORT_BUCKET)
    .option('--out <file>', 'write to this file instead of stdout')
    .action((file: string, options: { to: ExportTarget; bucket: string; out?: string }) => {
      try {
        emit(exportContractFile(file, { to: options.to, bucket: options.bucket }), options.out);
      } catch (error) {
        console.error(`prt contract export: ${error instanceof Error ? error.message : String(error)}`);
        process.exitCode = 2;
      }
    });
  contract
    .command('import')
    .description(
      'write an Open Data Contract Standard v3 document as a prt contract; what prt does not use is listed on stderr',
    )
    .argument('<odcs>', 'an ODCS document (YAML or JSON)')
    .option('--object <name>', 'the schema object to read, when the document has several')
    .option('--pipeline <name>', 'pipeline name (default: the domain, or prtContract.pipeline)')
    .option('--step <name>', 'step name (default: the contract name, or prtContract.step)')
    .option('--output <name>', 'output name (default: the schema object name)')
    .option('--path <template>', 'key template (default: the path of the s3 server)')
    .option('--out <file>', 'write the prt contract to this file instead of stdout')
    .action((file: string, options: OdcsImportOptions & { out?: string }) => {
      try {
        const { out, ...choices } = options;
        const { yaml, warnings } = importContractFile(file, choices);
        for (const warning of warnings) console.error(`warn ${warningLine(file, warning)}`);
        emit(yaml, out);
      } catch (error) {
        console.error(`prt contract import: ${error instanceof Error ? error.message : String(error)}`);
        process.exitCode = 2;
      }
    });
}
