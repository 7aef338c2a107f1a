// Types for the plugin's consumers written in TypeScript (its tests); the rules are plain JavaScript.
import type { ESLint, Rule } from 'eslint';

declare const plugin: ESLint.Plugin & {
  rules: { layers: Rule.RuleModule; 'no-cycles': Rule.RuleModule; 'core-public-face': Rule.RuleModule };
};
export default plugin;
