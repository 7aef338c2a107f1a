/**
 * Generation for the Lambda: plans one output (by logical name) or a whole pipeline from the
 * contract catalog, writes each output under the synthetic prefix of the outputs bucket (keys
 * follow the contract's path template) and registers it with data type `synthetic`. Everything is
 * planned before the first object is written, so an impossible request writes nothing.
 */
import { CANARY_PREFIX } from '../canary/canary-prefix';
import type { ContractCatalog } from '../contracts/contract-catalog';
import {
  COMPRESSIONS,
  DATA_FORMATS,
  logicalName,
  type Compression,
  type DataFormat,
} from '../contracts/output-contract';
import { InvalidInputError } from '../errors';
import { contentTypeOf } from '../formats/content-type';
import type { OutputRegistry } from '../registry/output-registry';
import { s3Uri, type ObjectStore } from '../storage/object-store';
import { GenerationError } from './generation-error';
import { planPipeline } from './plan-pipeline';
import { registerSynthetic, syntheticKey } from './synthetic-output';
import { planTable, type TablePlan } from './table-plan';
import { parseViolation } from './violations';
import { writeGeneratedTable } from './write-generated-table';

export interface GenerateRequest {
  /** One output, `pipeline/step/output`. */
  readonly output?: string;
  /** Or every output of a pipeline, with keys that agree. */
  readonly pipeline?: string;
  readonly rows?: number;
  readonly seed: number;
  readonly format?: DataFormat;
  readonly compression?: Compression;
  readonly violate: readonly string[];
  readonly runId?: string;
  /**
   * For the synthetic canary: write under the canary prefix (which the arrival rule watches) instead
   * of the synthetic one, and leave registration to the arrival, which records a canary entry.
   */
  readonly canary?: boolean;
}

export interface GenerateDeps {
  readonly catalog: ContractCatalog;
  readonly store: ObjectStore;
  readonly registry: OutputRegistry;
  readonly bucket: string;
  readonly prefix: string;
  readonly maxRows: number;
  readonly now: () => Date;
}

export interface GeneratedObject {
  readonly output: string;
  readonly uri: string;
  readonly versionId: string | null;
  readonly format: DataFormat;
  readonly rows: number;
  readonly bytes: number;
}

export interface GenerateResult {
  readonly seed: number;
  readonly runId: string;
  readonly objects: readonly GeneratedObject[];
}

/** Checks the shape of an invocation's event: a malformed event is an InvalidInputError naming the field. */
export function parseGenerateRequest(event: unknown): GenerateRequest {
  if (typeof event !== 'object' || event === null) throw new InvalidInputError('the event must be an object');
  const e = event as Record<string, unknown>;
  const text = (k: string): string | undefined => {
    const v = e[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || v === '')
      throw new InvalidInputError(`${k} must be a non-empty string; got ${JSON.stringify(v)}`);
    return v;
  };
  const whole = (k: string): number | undefined => {
    const v = e[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isSafeInteger(v))
      throw new InvalidInputError(`${k} must be a whole number; got ${JSON.stringify(v)}`);
    return v;
  };
  const output = text('output');
  const pipeline = text('pipeline');
  if ((output === undefined) === (pipeline === undefined))
    throw new InvalidInputError('give exactly one of output (pipeline/step/output) or pipeline');
  const format = text('format');
  if (format !== undefined && !(DATA_FORMATS as readonly string[]).includes(format))
    throw new InvalidInputError(`format must be one of ${DATA_FORMATS.join(', ')}`);
  const compression = text('compression');
  if (compression !== undefined && !(COMPRESSIONS as readonly string[]).includes(compression))
    throw new InvalidInputError(`compression must be one of ${COMPRESSIONS.join(', ')}`);
  const violate = e['violate'] ?? [];
  if (!Array.isArray(violate) || violate.some((v) => typeof v !== 'string'))
    throw new InvalidInputError('violate must be a list of rule[=rate] strings');
  const rows = whole('rows');
  const runId = text('runId');
  const canary = e['canary'] ?? false;
  if (typeof canary !== 'boolean') throw new InvalidInputError('canary must be true or false');
  return {
    ...(output !== undefined ? { output } : {}),
    ...(pipeline !== undefined ? { pipeline } : {}),
    ...(rows !== undefined ? { rows } : {}),
    seed: whole('seed') ?? 1,
    ...(format !== undefined ? { format: format as DataFormat } : {}),
    ...(compression !== undefined ? { compression: compression as Compression } : {}),
    violate: violate as string[],
    ...(runId !== undefined ? { runId } : {}),
    ...(canary ? { canary } : {}),
  };
}

export async function generateToStore(request: GenerateRequest, deps: GenerateDeps): Promise<GenerateResult> {
  if (request.rows !== undefined && request.rows > deps.maxRows) {
    throw new GenerationError(
      `${request.rows} rows exceeds this function's limit of ${deps.maxRows}; generate large outputs with prt generate`,
      'rows',
    );
  }
  const snapshot = await deps.catalog.snapshot();
  const contracts = snapshot.entries.map((e) => e.contract);
  const keyOf = new Map(snapshot.entries.map((e) => [logicalName(e.contract), e.key]));
  const violations = request.violate.map(parseViolation);
  let plans: TablePlan[];
  if (request.pipeline !== undefined) {
    plans = planPipeline(contracts, request.pipeline, {
      seed: request.seed,
      violations,
      ...(request.rows !== undefined ? { rows: request.rows } : {}),
    });
  } else {
    const contract = contracts.find((c) => logicalName(c) === request.output);
    if (!contract) {
      const broken = snapshot.broken.length
        ? `; contracts that failed to load: ${snapshot.broken.map((b) => b.key).join(', ')}`
        : '';
      throw new GenerationError(`no contract describes output '${request.output}'${broken}`, 'output');
    }
    plans = [
      planTable(contract, {
        seed: request.seed,
        violations,
        ...(request.rows !== undefined ? { rows: request.rows } : {}),
      }),
    ];
  }
  const runId = request.runId ?? `synthetic-${request.seed}`;
  const objects: GeneratedObject[] = [];
  for (const plan of plans) {
    const format = request.format ?? plan.contract.format;
    const compression = request.compression ?? plan.contract.compression ?? 'none';
    const key = `${request.canary ? CANARY_PREFIX : deps.prefix}${syntheticKey(plan.contract, runId, format, compression)}`;
    const sink = deps.store.sink(deps.bucket, key, contentTypeOf(format, compression));
    const written = await writeGeneratedTable(plan, sink, { format, compression });
    const published = sink.result ?? { etag: '', size: written.bytes };
    const versionId = published.versionId ?? null;
    if (!request.canary)
      await registerSynthetic(
        deps.registry,
        { bucket: deps.bucket, key, versionId, etag: published.etag, size: published.size },
        {
          contract: plan.contract,
          ...(keyOf.get(logicalName(plan.contract))
            ? { contractKey: keyOf.get(logicalName(plan.contract))! }
            : {}),
          runId,
          rows: written.rows,
          seed: plan.seed,
          format,
          violations: request.violate,
        },
        deps.now(),
      );
    objects.push({
      output: logicalName(plan.contract),
      uri: s3Uri(deps.bucket, key),
      versionId,
      format,
      rows: written.rows,
      bytes: written.bytes,
    });
  }
  return { seed: request.seed, runId, objects };
}
