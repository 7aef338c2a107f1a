/** Durations in contracts: `90s`, `15m`, `24h`, `7d`, `2w`, or ISO 8601 (`P1DT12H`, `PT30M`). In seconds. */
const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  const simple = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(t);
  if (simple) return Number(simple[1]) * UNITS[simple[2]!]!;
  const iso = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(t);
  if (!iso || t === 'P' || t.endsWith('T')) return undefined;
  const [, w, d, h, m, s] = iso;
  return (
    Number(w ?? 0) * 604800 +
    Number(d ?? 0) * 86400 +
    Number(h ?? 0) * 3600 +
    Number(m ?? 0) * 60 +
    Number(s ?? 0)
  );
}
