// The project's file-level import graph, built once per process (one `eslint` run) and shared by
// every file the no-cycles rule visits. Files are scanned with a regular expression rather than
// parsed: reading a few hundred files this way costs milliseconds, where parsing them would cost
// seconds. The file being linted replaces its scanned edges with those of its current text, so an
// editor sees its own unsaved changes.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRelative, resolveRelative } from './module-paths.js';

const SCANNED = /\.(?:ts|mts|mjs)$/;
const COMMENT = /\/\*[\s\S]*?\*\/|(?:^|[ \t])\/\/[^\n]*/gm;
// import … from '…' / export … from '…' / import '…' / import('…'), `type` modifiers included.
const IMPORT =
  /(?:^|[^\w$.])(?:import|export)\s*(?:type\s+)?(?:[\w$*{}\s,]*?\s*from\s*)?['"]([^'"\n]+)['"]|(?:^|[^\w$.])import\s*\(\s*['"]([^'"\n]+)['"]\s*\)/g;

/** The relative specifiers a source text imports. */
export function scanSpecifiers(text) {
  const specifiers = [];
  for (const match of text.replace(COMMENT, '').matchAll(IMPORT)) {
    const specifier = match[1] ?? match[2];
    if (specifier && isRelative(specifier)) specifiers.push(specifier);
  }
  return specifiers;
}

function walk(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, out);
    else if (SCANNED.test(entry.name)) out.push(path);
  }
}

function edgesOf(file, text) {
  const targets = new Set();
  for (const specifier of scanSpecifiers(text)) {
    const target = resolveRelative(file, specifier);
    if (target) targets.add(target);
  }
  return targets;
}

class ImportGraph {
  constructor(files) {
    /** @type {Map<string, Set<string>>} */
    this.edges = new Map();
    for (const file of files) this.edges.set(file, edgesOf(file, readFileSync(file, 'utf8')));
    this.component = undefined;
  }

  /** Replaces a file's edges with those of its current text; SCCs are recomputed only on change. */
  update(file, text) {
    const next = edgesOf(file, text);
    const previous = this.edges.get(file);
    if (previous && previous.size === next.size && [...next].every((t) => previous.has(t))) return;
    this.edges.set(file, next);
    this.component = undefined;
  }

  /** Strongly connected components (Tarjan), as file → component id. */
  components() {
    if (this.component) return this.component;
    const index = new Map();
    const low = new Map();
    const onStack = new Set();
    const stack = [];
    const component = new Map();
    let counter = 0;
    const strongConnect = (start) => {
      // Iterative, so a long import chain cannot overflow the call stack.
      const frames = [{ node: start, targets: [...(this.edges.get(start) ?? [])], next: 0 }];
      index.set(start, counter);
      low.set(start, counter++);
      stack.push(start);
      onStack.add(start);
      while (frames.length > 0) {
        const frame = frames[frames.length - 1];
        if (frame.next < frame.targets.length) {
          const target = frame.targets[frame.next++];
          if (!this.edges.has(target)) continue;
          if (!index.has(target)) {
            index.set(target, counter);
            low.set(target, counter++);
            stack.push(target);
            onStack.add(target);
            frames.push({ node: target, targets: [...(this.edges.get(target) ?? [])], next: 0 });
          } else if (onStack.has(target)) {
            low.set(frame.node, Math.min(low.get(frame.node), index.get(target)));
          }
          continue;
        }
        frames.pop();
        if (frames.length > 0) {
          const parent = frames[frames.length - 1].node;
          low.set(parent, Math.min(low.get(parent), low.get(frame.node)));
        }
        if (low.get(frame.node) === index.get(frame.node)) {
          let member;
          do {
            member = stack.pop();
            onStack.delete(member);
            component.set(member, frame.node);
          } while (member !== frame.node);
        }
      }
    };
    for (const file of this.edges.keys()) if (!index.has(file)) strongConnect(file);
    this.component = component;
    return component;
  }

  /** The shortest import path from one file to another inside their component, both ends included. */
  path(from, to) {
    const component = this.components();
    const id = component.get(from);
    if (id === undefined || component.get(to) !== id) return undefined;
    const previous = new Map([[from, from]]);
    const queue = [from];
    for (let i = 0; i < queue.length; i++) {
      const node = queue[i];
      if (node === to) break;
      for (const target of this.edges.get(node) ?? []) {
        if (!previous.has(target) && component.get(target) === id) {
          previous.set(target, node);
          queue.push(target);
        }
      }
    }
    if (!previous.has(to)) return undefined;
    const path = [to];
    while (path[0] !== from) path.unshift(previous.get(path[0]));
    return path;
  }
}

const graphs = new Map();

/** The graph of every scanned file under root's dirs, built on first use and kept for the process. */
export function importGraph(root, dirs) {
  const key = `${root}\0${dirs.join('\0')}`;
  let graph = graphs.get(key);
  if (!graph) {
    const files = [];
    for (const dir of dirs) walk(join(root, dir), files);
    graph = new ImportGraph(files);
    graphs.set(key, graph);
  }
  return graph;
}
