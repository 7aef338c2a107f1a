/**
 * ANSI colours for the console reports, only when asked for (the CLI asks when stdout is a
 * terminal and NO_COLOR is unset): CI logs, pipes and files get plain text.
 */
type Paint = (text: string) => string;

export interface TerminalColors {
  readonly bold: Paint;
  readonly dim: Paint;
  /** passed green, warned yellow, failed red. */
  readonly status: (status: string) => Paint;
  /** strict green, compatible cyan, convertible yellow, incompatible red. */
  readonly level: (level: string) => Paint;
  /** pass green, fail red (by severity: warn yellow). */
  readonly outcome: (outcome: string, severity?: string) => Paint;
}

const code =
  (open: number, close = 39): Paint =>
  (text) =>
    `\u001b[${open}m${text}\u001b[${close}m`;
const plain: Paint = (text) => text;
const GREEN = code(32);
const YELLOW = code(33);
const RED = code(31);
const CYAN = code(36);

const STATUS: Readonly<Record<string, Paint>> = { passed: GREEN, warned: YELLOW, failed: RED };
const LEVEL: Readonly<Record<string, Paint>> = {
  strict: GREEN,
  compatible: CYAN,
  convertible: YELLOW,
  incompatible: RED,
};

export function terminalColors(enabled: boolean): TerminalColors {
  if (!enabled)
    return { bold: plain, dim: plain, status: () => plain, level: () => plain, outcome: () => plain };
  return {
    bold: code(1, 22),
    dim: code(2, 22),
    status: (s) => STATUS[s] ?? plain,
    level: (l) => LEVEL[l] ?? plain,
    outcome: (o, severity) =>
      o === 'pass' ? GREEN : o === 'fail' ? (severity === 'warn' ? YELLOW : RED) : plain,
  };
}
