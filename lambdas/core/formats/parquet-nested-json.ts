/**
 * Canonical JSON text of a nested Parquet value (a list, a map, a struct holding them, a legacy
 * repeated field), so such columns travel as one text cell instead of making the file unreadable.
 *
 * The reader has hyparquet decode nested columns with LIST and MAP annotations removed and every
 * schema name replaced by a safe key (`c<index>`), so what arrives is plain structs of repeated
 * groups whose keys cannot collide with `Object.prototype` (a field named `__proto__` survives).
 * This module walks the file's own schema beside that value and writes:
 * - a list as a JSON array, an empty list as `[]`, a null list as `null`;
 * - a map as a JSON object, keys as text, sorted; a duplicate or null key is an error, never a
 *   silently dropped entry;
 * - a struct as a JSON object of its fields, sorted by name (canonical, RFC 8785 order);
 * - scalars as the reader's raw cells: numbers as JSON numbers (NaN and ±Infinity, which JSON
 *   lacks, as the strings "NaN", "Infinity", "-Infinity"; -0 as `-0`), 64-bit integers exactly,
 *   dates, timestamps, decimals, binary (base64) and intervals as JSON strings of their text.
 */
import type { SchemaElement, SchemaTree } from 'hyparquet';

import type { RawCell } from './record-batch';

/** Converts one decoded leaf value to a raw cell (the reader's own rules for flat columns). */
export type LeafCell = (element: SchemaElement, value: unknown) => RawCell;

export interface NestedJsonOptions {
  /** The key hyparquet's decoded objects use for a schema element. */
  readonly keyOf: (element: SchemaElement) => string;
  readonly leafCell: LeafCell;
  /** Longest accepted text (characters): checked while writing, so no larger string is built. */
  readonly maxLength: number;
}

/** Whether a schema node is read as JSON text (lists, maps, repeated fields) rather than flattened. */
export function isNestedNode(element: SchemaElement): boolean {
  return element.repetition_type === 'REPEATED' || isListNode(element) || isMapNode(element);
}

function isListNode(element: SchemaElement): boolean {
  return element.converted_type === 'LIST' || element.logical_type?.type === 'LIST';
}

function isMapNode(element: SchemaElement): boolean {
  return (
    element.converted_type === 'MAP' ||
    element.converted_type === 'MAP_KEY_VALUE' ||
    element.logical_type?.type === 'MAP'
  );
}

/**
 * JSON text of `value`, decoded by hyparquet for the (original) schema node `node`.
 *
 * @example
 * parquetNestedJson(tagsNode, { c3: [{ c4: 'a' }, { c4: null }] }, options) // '["a",null]'
 */
export function parquetNestedJson(node: SchemaTree, value: unknown, options: NestedJsonOptions): string {
  const out = new JsonText(options.maxLength);
  writeNode(node, value, options, out, node.element.repetition_type === 'REPEATED');
  return out.text();
}

/** Text built in parts, failing as soon as it passes its limit. */
class JsonText {
  private readonly parts: string[] = [];
  private length = 0;
  constructor(private readonly maxLength: number) {}
  push(part: string): void {
    this.length += part.length;
    if (this.length > this.maxLength) {
      throw new Error(`a nested value of more than ${this.maxLength} characters (as JSON)`);
    }
    this.parts.push(part);
  }
  text(): string {
    return this.parts.join('');
  }
}

function field(value: unknown, key: string): unknown {
  // Decoded objects come from hyparquet with safe keys; own properties only all the same.
  return typeof value === 'object' && value !== null && Object.hasOwn(value, key)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

function items(value: unknown, what: string): readonly unknown[] {
  if (!Array.isArray(value)) throw new Error(`the decoded ${what} is not a list`);
  return value;
}

/** Writes a node's value; `repeated` when the value is the list of a REPEATED field's items. */
function writeNode(
  node: SchemaTree,
  value: unknown,
  options: NestedJsonOptions,
  out: JsonText,
  repeated: boolean,
): void {
  if (value === null || value === undefined) {
    out.push('null');
    return;
  }
  if (repeated) {
    out.push('[');
    items(value, node.element.name).forEach((item, k) => {
      if (k > 0) out.push(',');
      writeNode(node, item, options, out, false);
    });
    out.push(']');
    return;
  }
  const { element, children } = node;
  if (children.length === 0) {
    writeCell(options.leafCell(element, value), out);
    return;
  }
  if (isListNode(element) && children.length === 1) {
    writeList(children[0]!, field(value, options.keyOf(children[0]!.element)), options, out, node);
    return;
  }
  if (isMapNode(element) && children.length === 1 && children[0]!.children.length === 2) {
    writeMap(children[0]!, field(value, options.keyOf(children[0]!.element)), options, out);
    return;
  }
  writeStruct(children, value, options, out);
}

/**
 * A LIST's repeated child: with one field (and not named like a legacy element group) the field is
 * the element; otherwise the repeated node itself is (the Parquet spec's backward-compatibility rules).
 */
function writeList(
  repeatedNode: SchemaTree,
  value: unknown,
  options: NestedJsonOptions,
  out: JsonText,
  list: SchemaTree,
): void {
  if (value === null || value === undefined) {
    out.push('[]');
    return;
  }
  const name = repeatedNode.element.name;
  const elementIsChild =
    repeatedNode.children.length === 1 && name !== 'array' && name !== `${list.element.name}_tuple`;
  out.push('[');
  items(value, list.element.name).forEach((item, k) => {
    if (k > 0) out.push(',');
    if (elementIsChild) {
      const child = repeatedNode.children[0]!;
      writeNode(
        child,
        field(item, options.keyOf(child.element)),
        options,
        out,
        child.element.repetition_type === 'REPEATED',
      );
    } else {
      writeNode(repeatedNode, item, options, out, false);
    }
  });
  out.push(']');
}

function writeMap(repeatedNode: SchemaTree, value: unknown, options: NestedJsonOptions, out: JsonText): void {
  const [keyNode, valueNode] = repeatedNode.children as [SchemaTree, SchemaTree];
  const entries = new Map<string, unknown>();
  if (value !== null && value !== undefined) {
    for (const entry of items(value, repeatedNode.element.name)) {
      const rawKey = field(entry, options.keyOf(keyNode.element));
      if (rawKey === null || rawKey === undefined) throw new Error('a map entry has a null key');
      const cell = options.leafCell(keyNode.element, rawKey);
      const key = typeof cell === 'string' ? cell : cellJson(cell);
      if (entries.has(key)) throw new Error(`map key ${JSON.stringify(key)} appears twice`);
      entries.set(key, field(entry, options.keyOf(valueNode.element)));
    }
  }
  out.push('{');
  [...entries.keys()].sort().forEach((key, k) => {
    out.push(`${k > 0 ? ',' : ''}${JSON.stringify(key)}:`);
    writeNode(valueNode, entries.get(key), options, out, valueNode.element.repetition_type === 'REPEATED');
  });
  out.push('}');
}

function writeStruct(
  children: readonly SchemaTree[],
  value: unknown,
  options: NestedJsonOptions,
  out: JsonText,
): void {
  const sorted = [...children].sort((a, b) =>
    a.element.name < b.element.name ? -1 : a.element.name > b.element.name ? 1 : 0,
  );
  out.push('{');
  sorted.forEach((child, k) => {
    out.push(`${k > 0 ? ',' : ''}${JSON.stringify(child.element.name)}:`);
    writeNode(
      child,
      field(value, options.keyOf(child.element)),
      options,
      out,
      child.element.repetition_type === 'REPEATED',
    );
  });
  out.push('}');
}

function writeCell(cell: RawCell, out: JsonText): void {
  out.push(cellJson(cell));
}

/** JSON text of a raw cell, exact: no value is rounded or dropped on the way. */
function cellJson(cell: RawCell): string {
  if (cell === null) return 'null';
  switch (typeof cell) {
    case 'string':
      return JSON.stringify(cell);
    case 'bigint':
      return cell.toString();
    case 'boolean':
      return cell ? 'true' : 'false';
    case 'number':
      if (Object.is(cell, -0)) return '-0';
      return Number.isFinite(cell) ? JSON.stringify(cell) : JSON.stringify(String(cell));
  }
}
