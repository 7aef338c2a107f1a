/**
 * Writes a drafted contract as YAML a person edits: one flow map per column (as the README's
 * examples are written), with comments above each saying what the sample showed and why each
 * choice was made, and suggestions that are not enforced yet as commented lines to uncomment.
 * Built with the `yaml` package's document model, so every value is quoted where YAML needs it
 * (a category 'true', a name with ': ', a pattern with '#').
 */
import { Document, isMap, isScalar, isSeq, stringify, type Pair, type Scalar, type YAMLMap } from 'yaml';
import type { DataFormat } from '../../../lambdas/core/contracts';
import type { ColumnDraft, DraftRule } from './infer-column';

export interface DraftDocument {
  /** Comment lines at the top of the file. */
  readonly header: readonly string[];
  readonly pipeline: string;
  readonly step: string;
  readonly output: string;
  readonly path: string;
  readonly pathNote: string;
  /** The logical name was made up from the file name: say so. */
  readonly nameGuessed: boolean;
  readonly format: DataFormat;
  readonly compression?: 'gzip';
  readonly csv?: { readonly delimiter: string; readonly header: boolean };
  readonly columns: readonly ColumnDraft[];
  readonly rules: readonly DraftRule[];
  /** Notes on columns left out of the schema (they are then extra columns). */
  readonly skipped: readonly string[];
}

/** A comment line: no line breaks or control characters (they would end the comment). */
function commentLine(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters would break the comment
  return ` ${text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}`;
}

function comments(lines: readonly string[]): string {
  return lines.map(commentLine).join('\n');
}

function flowText(value: unknown): string {
  return stringify(value, {
    collectionStyle: 'flow',
    flowCollectionPadding: false,
    lineWidth: 0,
    singleQuote: true,
  }).trim();
}

function pairOf(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p) => isScalar(p.key) && p.key.value === key);
}

function trailing(map: YAMLMap, key: string, text: string): void {
  const value = pairOf(map, key)?.value;
  if (isScalar(value) || isMap(value) || isSeq(value)) value.comment = commentLine(text);
}

/** Renders the draft; the result loads with parseContract. */
export function renderContractYaml(draft: DraftDocument): string {
  const quality = draft.rules.map(({ reason: _reason, ...rule }) => rule);
  const doc = new Document({
    pipeline: draft.pipeline,
    step: draft.step,
    output: draft.output,
    path: draft.path,
    format: draft.format,
    ...(draft.compression ? { compression: draft.compression } : {}),
    ...(draft.csv ? { csv: draft.csv } : {}),
    compatibility: 'compatible',
    allow_extra_columns: true,
    schema: draft.columns.map((c) => c.column),
    quality,
  });
  doc.commentBefore = comments(draft.header);
  const root = doc.contents as YAMLMap;
  if (draft.nameGuessed) trailing(root, 'pipeline', 'the pipeline and step that write this output: edit');
  trailing(root, 'output', 'logical name: pipeline/step/output');
  trailing(root, 'path', draft.pathNote);
  trailing(
    root,
    'compatibility',
    'least schema level accepted: strict | compatible | convertible | incompatible',
  );
  trailing(root, 'allow_extra_columns', 'columns not listed below are accepted (false: incompatible)');
  const csv = pairOf(root, 'csv')?.value;
  if (isMap(csv)) csv.flow = true;

  const schema = pairOf(root, 'schema')!;
  const columns = schema.value as { items: unknown[] };
  draft.columns.forEach((c, i) => {
    const node = columns.items[i] as YAMLMap;
    node.flow = true;
    for (const item of node.items) {
      if (isSeq(item.value)) item.value.flow = true;
    }
    const lines = [
      ...c.notes,
      ...c.suggestions.map((s) => `${s.key}: ${flowText(s.value)}   <- ${s.reason}`),
    ];
    node.commentBefore = comments(lines);
  });
  if (draft.skipped.length > 0) (schema.key as Scalar).commentBefore = comments(draft.skipped);

  const rules = pairOf(root, 'quality')!;
  const seq = rules.value as { items: unknown[]; flow?: boolean };
  if (draft.rules.length === 0) {
    (rules.key as Scalar).commentBefore = comments([
      'no quality rule suggested: add yours (not_null, greater_than, less_than, between)',
    ]);
  } else {
    (rules.key as Scalar).commentBefore = comments([
      'suggested rules (severity warn): raise to error once the thresholds are right',
    ]);
    draft.rules.forEach((r, i) => {
      const node = seq.items[i] as YAMLMap;
      node.flow = true;
      for (const item of node.items) {
        if (isSeq(item.value)) item.value.flow = true;
      }
      node.commentBefore = comments([r.reason]);
    });
  }
  return doc.toString({ lineWidth: 0, flowCollectionPadding: true, singleQuote: true });
}
