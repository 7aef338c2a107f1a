// The project's own lint rules. They live here rather than in an npm package because they encode
// this repository's layer table (layer-table.js) and nothing else would use them; plain ESM
// JavaScript, so ESLint loads them without a build step.
//   prt/layers     imports point down the layer table; core reads no process.env
//   prt/no-cycles  no file-level import cycles
//   prt/core-public-face  outside core, a core area is imported through its index.ts
import layers from './layers.js';
import noCycles from './no-cycles.js';
import corePublicFace from './core-public-face.js';

/** @type {import('eslint').ESLint.Plugin} */
const plugin = {
  meta: { name: 'prt' },
  rules: { layers, 'no-cycles': noCycles, 'core-public-face': corePublicFace },
};

export default plugin;
