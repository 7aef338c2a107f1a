/**
 * The contract's `expected` entries as ODCS `slaProperties`, both ways. ODCS names service levels
 * but leaves their evaluation open, so prt reads the two that say when a version is due:
 *
 * - `timeOfAvailability`: a schedule. prt writes the schedule expression as the value and the grace
 *   as `valueExt` (`{ property: timeOfAvailability, value: 'cron(0 6 * * ? *)', valueExt: 30m }`);
 *   a time of day as the standard's examples write it (`09:00-08:00`, `06:00Z`) is read as a daily
 *   deadline at that time, in UTC, with no grace.
 * - `latency` whose `element` names one of the contract's inputs: a delay after that input of the
 *   same run arrived (`{ property: latency, value: 2, unit: h, element: ingestion/raw_orders }`).
 *   A latency on a column (the standard's `tab1.txn_ref_dt`) is about the data's own timestamps,
 *   which prt does not check: it is reported, not guessed at.
 *
 * Every other service level (retention, frequency, generalAvailability...) and every field prt
 * does not read is reported by name.
 */
import type { Expectation } from '../../expectations/expectation-types';
import type { DocumentPath } from './odcs-terms';
import { qualifiedName } from '../output-contract';

type Json = Record<string, unknown>;

/** ODCS duration units prt reads, in seconds. */
const UNIT_SECONDS: Readonly<Record<string, number>> = {
  s: 1,
  sec: 1,
  second: 1,
  seconds: 1,
  min: 60,
  minute: 60,
  minutes: 60,
  h: 3600,
  hr: 3600,
  hour: 3600,
  hours: 3600,
  d: 86400,
  day: 86400,
  days: 86400,
};

/** Seconds in the largest whole unit (`2h`, `90m`, `45s`), as a contract writes a duration. */
function durationText(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** The slaProperties of a contract's expectations. */
export function slaPropertiesOf(expected: readonly Expectation[]): Json[] {
  return expected.map((e) => {
    if (e.kind === 'schedule')
      return {
        property: 'timeOfAvailability',
        value: e.schedule.text,
        ...(e.graceSeconds > 0 ? { valueExt: e.graceText } : {}),
        scheduler: 'eventbridge-scheduler',
        description: `A version by each deadline of ${e.schedule.text} (UTC)${e.graceSeconds > 0 ? `, ${e.graceText} of grace` : ''}`,
      };
    const [value, unit] =
      e.withinSeconds % 3600 === 0
        ? [e.withinSeconds / 3600, 'h']
        : e.withinSeconds % 60 === 0
          ? [e.withinSeconds / 60, 'min']
          : [e.withinSeconds, 's'];
    return {
      property: 'latency',
      value,
      unit,
      element: e.input,
      description: `A version of the same run within ${e.withinText} after ${e.input} arrived`,
    };
  });
}

/** A warning about a part of the document prt does not map. */
export type SlaWarn = (path: DocumentPath, feature: string, message: string) => void;

/** A time of day with an offset (`09:00-08:00`, `06:00Z`, `06:00`) as UTC hours and minutes. */
function utcTimeOf(text: string): { hour: number; minute: number } | undefined {
  const m = /^([01]\d|2[0-3]):([0-5]\d)(?::00)?(Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)?$/.exec(text.trim());
  if (!m) return undefined;
  let minutes = Number(m[1]) * 60 + Number(m[2]);
  const offset = m[3];
  if (offset && offset !== 'Z') {
    const sign = offset.startsWith('-') ? -1 : 1;
    const [h, mm] = offset.slice(1).split(':').map(Number);
    minutes -= sign * (h! * 60 + mm!);
  }
  minutes = ((minutes % 1440) + 1440) % 1440;
  return { hour: Math.floor(minutes / 60), minute: minutes % 60 };
}

const READ_FIELDS: Readonly<Record<string, readonly string[]>> = {
  timeOfAvailability: ['property', 'value', 'valueExt', 'scheduler', 'description', 'id'],
  latency: ['property', 'value', 'unit', 'element', 'description', 'id'],
};

/**
 * The `expected` entries (file form) an ODCS document's slaProperties give, with where each came
 * from; whatever is not mapped is reported through `warn`.
 */
export function expectedFromSla(
  sla: unknown,
  at: DocumentPath,
  context: { readonly pipeline: unknown; readonly inputs: readonly string[] },
  warn: SlaWarn,
): { readonly entries: Json[]; readonly origins: DocumentPath[] } {
  const entries: Json[] = [];
  const origins: DocumentPath[] = [];
  if (!Array.isArray(sla)) {
    warn(at, 'slaProperties', 'not mapped: slaProperties must be a list');
    return { entries, origins };
  }
  const pipeline = typeof context.pipeline === 'string' ? context.pipeline : '';
  sla.forEach((raw: unknown, i) => {
    const here = [...at, i];
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      warn(here, 'slaProperties', 'not mapped: an SLA property must be a mapping');
      return;
    }
    const p = raw as Json;
    const property = typeof p.property === 'string' ? p.property : '';
    const read = READ_FIELDS[property];
    const unused = (): void => {
      for (const key of Object.keys(p))
        if (!read!.includes(key))
          warn([...here, key], `slaProperties.${property}.${key}`, 'not mapped: prt does not use it');
    };
    if (property === 'timeOfAvailability') {
      const value = typeof p.value === 'string' ? p.value.trim() : '';
      let schedule: string | undefined;
      if (/^(cron|rate)\(/i.test(value)) schedule = value;
      else {
        const time = utcTimeOf(value);
        if (time) schedule = `cron(${time.minute} ${time.hour} * * ? *)`;
      }
      if (schedule === undefined) {
        warn(
          here,
          'slaProperties.timeOfAvailability',
          `not mapped: '${String(p.value)}' is neither a cron(...)/rate(...) expression nor a time of day (09:00-08:00)`,
        );
        return;
      }
      const grace = typeof p.valueExt === 'string' ? p.valueExt : undefined;
      if (p.valueExt !== undefined && grace === undefined)
        warn(
          [...here, 'valueExt'],
          'slaProperties.timeOfAvailability.valueExt',
          'not mapped: prt reads a duration (30m)',
        );
      entries.push({ schedule, ...(grace !== undefined ? { grace } : {}) });
      origins.push(here);
      unused();
      return;
    }
    if (property === 'latency') {
      const element = typeof p.element === 'string' ? p.element : undefined;
      const input =
        element !== undefined &&
        context.inputs.some((name) => qualifiedName(pipeline, name) === qualifiedName(pipeline, element))
          ? element
          : undefined;
      const unitSeconds = typeof p.unit === 'string' ? UNIT_SECONDS[p.unit.toLowerCase()] : undefined;
      const seconds = typeof p.value === 'number' && unitSeconds !== undefined ? p.value * unitSeconds : NaN;
      if (input === undefined || !Number.isFinite(seconds)) {
        warn(
          here,
          'slaProperties.latency',
          input === undefined
            ? `not mapped: prt checks a latency after one of the contract's inputs (element: step/output); '${element ?? ''}' is none`
            : `not mapped: value ${String(p.value)} ${String(p.unit)} is not a number of s, min, h or d`,
        );
        return;
      }
      entries.push({ after: { input, within: durationText(seconds) } });
      origins.push(here);
      unused();
      return;
    }
    warn(
      here,
      `slaProperties.${property || '?'}`,
      'not mapped: prt checks timeOfAvailability and latency after an input',
    );
  });
  return { entries, origins };
}
