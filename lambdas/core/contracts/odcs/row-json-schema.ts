/**
 * The JSON Schema (draft 2020-12) of one record of an output: what a producer writing JSON or
 * JSON Lines, or an API in front of it, can check a row against before it lands. It says what one
 * row can say: types, nulls, ranges, allowed values, patterns and lengths; rules over many rows
 * (uniqueness, thresholds, distributions) are the contract's and are not in it.
 */
import { columnTypeText } from '../contract-file-form';
import type { ColumnSpec, OutputContract } from '../output-contract';

type Json = Record<string, unknown>;

/** Decimal text: sign, digits, an optional fraction (values may also be JSON numbers). */
const DECIMAL_TEXT = '^-?\\d+(\\.\\d+)?$';

function valueSchema(spec: ColumnSpec): Json {
  const range = spec.range;
  const numericRange =
    range && typeof range[0] === 'number' && typeof range[1] === 'number'
      ? { minimum: range[0], maximum: range[1] }
      : {};
  switch (spec.type) {
    case 'string':
      return {
        type: 'string',
        // prt matches a column pattern against the whole value; JSON Schema patterns may match a part.
        ...(spec.pattern !== undefined ? { pattern: `^(?:${spec.pattern})$` } : {}),
        ...(spec.length ? { minLength: spec.length[0], maxLength: spec.length[1] } : {}),
      };
    case 'int32':
    case 'int64':
      return {
        type: 'integer',
        ...(spec.type === 'int32' ? { minimum: -2147483648, maximum: 2147483647 } : {}),
        ...numericRange,
      };
    case 'float32':
    case 'float64':
      return { type: 'number', ...numericRange };
    case 'decimal':
      return {
        anyOf: [
          { type: 'number', ...numericRange },
          { type: 'string', pattern: DECIMAL_TEXT },
        ],
      };
    case 'boolean':
      return { type: 'boolean' };
    case 'date':
      return { type: 'string', format: 'date' };
    case 'timestamp':
      // Text in ISO 8601; a timestamp without a zone is read in the column's zone.
      return { type: 'string' };
  }
}

function columnSchema(spec: ColumnSpec): Json {
  let schema = valueSchema(spec);
  if (spec.allowed) schema = { ...schema, enum: [...spec.allowed] };
  if (spec.nullable) schema = { anyOf: [schema, { type: 'null' }] };
  return {
    ...(spec.description !== undefined ? { description: spec.description } : {}),
    $comment: `prt type ${columnTypeText(spec)}`,
    ...schema,
  };
}

/** The JSON Schema of one record of `contract`'s output. */
export function rowJsonSchema(contract: OutputContract): Json {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: `${contract.pipeline}/${contract.step}/${contract.output}`,
    ...(contract.description !== undefined ? { description: contract.description } : {}),
    type: 'object',
    properties: Object.fromEntries(contract.schema.map((spec) => [spec.name, columnSchema(spec)])),
    // A non-nullable column must be present; a nullable one may be absent (read as null).
    required: contract.schema.filter((spec) => !spec.nullable).map((spec) => spec.name),
    additionalProperties: contract.allowExtraColumns,
  };
}
