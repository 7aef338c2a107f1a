/**
 * Logical output names: `pipeline/step/output`, or `step/output` inside a known pipeline (as
 * contracts name their inputs). Derived outputs carry their format after `@`
 * (`training_data@parquet`).
 */
import { OutputNameError } from './registry-errors';

export interface OutputName {
  readonly pipeline: string;
  readonly step: string;
  readonly output: string;
}

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.@-]*$/;

export function formatOutputName(name: OutputName): string {
  return `${name.pipeline}/${name.step}/${name.output}`;
}

/**
 * Parses `pipeline/step/output`; `step/output` takes `defaultPipeline`. Throws OutputNameError with
 * the accepted forms otherwise.
 */
export function parseOutputName(text: string, defaultPipeline?: string): OutputName {
  const parts = text.split('/');
  const [a, b, c] = parts;
  let name: OutputName | undefined;
  if (parts.length === 3) name = { pipeline: a!, step: b!, output: c! };
  else if (parts.length === 2 && defaultPipeline !== undefined)
    name = { pipeline: defaultPipeline, step: a!, output: b! };
  if (!name || ![name.pipeline, name.step, name.output].every((s) => SEGMENT.test(s))) {
    throw new OutputNameError(
      `'${text}' is not a logical output name; write pipeline/step/output${defaultPipeline !== undefined ? ' or step/output' : ''} (letters, digits, _ . - @)`,
    );
  }
  return name;
}

/** Whether a text looks like a logical name rather than an s3:// URI or a path. */
export function isOutputName(text: string): boolean {
  const parts = text.split('/');
  return parts.length === 3 && parts.every((s) => SEGMENT.test(s));
}
