/**
 * DuckDB as the reference engine, one thread (two for the 2-worker columns). The SQL is derived from the same column and rule
 * description as the contract YAML (generate-data.ts), so both engines compute the same numbers.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { COLUMNS, type BenchColumnType, type BenchRule } from './generate-data';

export interface EngineChecks {
  readonly rows: number;
  readonly nulls: Readonly<Record<string, number>>;
  readonly passed: Readonly<Record<string, number>>;
  readonly nonConforming?: Readonly<Record<string, number>>;
}

const DUCK_TYPE: Record<BenchColumnType, string> = {
  int64: 'BIGINT',
  float64: 'DOUBLE',
  timestamp: 'TIMESTAMP',
  string: 'VARCHAR',
};

const lit = (s: string): string => `'${s.replaceAll("'", "''")}'`;
const id = (s: string): string => `"${s.replaceAll('"', '""')}"`;

function readCsvSql(path: string, typed: boolean): string {
  const cols = COLUMNS.map((c) => `${lit(c.name)}: ${lit(typed ? DUCK_TYPE[c.type] : 'VARCHAR')}`).join(', ');
  return (
    `read_csv(${lit(path)}, header = true, delim = ',', quote = '"', escape = '"', ` +
    `auto_detect = false, columns = {${cols}})`
  );
}

function passedExpr(rule: BenchRule): string {
  const f = id(rule.field);
  switch (rule.condition) {
    case 'not_null':
      return `count(${f})`;
    case 'greater_than':
      return `count_if(${f} > ${rule.value})`;
    case 'less_than':
      return `count_if(${f} < ${rule.value})`;
    case 'between':
      return `count_if(${f} BETWEEN ${rule.value[0]} AND ${rule.value[1]})`;
  }
}

/** Nulls of every column (so every column is materialized, as prt types every cell) and rule passes. */
function checksSelect(rules: readonly BenchRule[], from: string): string {
  const items = [
    'count(*) AS "rows"',
    ...COLUMNS.map((c) => `count(*) - count(${id(c.name)}) AS ${id(`nulls:${c.name}`)}`),
    ...rules.map((r) => `${passedExpr(r)} AS ${id(`passed:${r.name}`)}`),
  ];
  return `SELECT ${items.join(', ')} FROM ${from}`;
}

function toChecks(row: Record<string, unknown>): EngineChecks {
  const pick = (prefix: string): Record<string, number> =>
    Object.fromEntries(
      Object.entries(row)
        .filter(([k]) => k.startsWith(prefix))
        .map(([k, v]) => [k.slice(prefix.length), Number(v)]),
    );
  const nonConforming = pick('bad:');
  return {
    rows: Number(row['rows']),
    nulls: pick('nulls:'),
    passed: pick('passed:'),
    ...(Object.keys(nonConforming).length ? { nonConforming } : {}),
  };
}

export async function openDuckDb(threads = 1): Promise<{ conn: DuckDBConnection; version: string }> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  await conn.run(`SET threads = ${Math.max(1, Math.floor(threads))}`);
  const v = (await conn.runAndReadAll('SELECT version() AS v')).getRowObjectsJS()[0]?.['v'];
  return { conn, version: typeof v === 'string' ? v : 'unknown' };
}

async function one(conn: DuckDBConnection, sql: string): Promise<Record<string, unknown>> {
  const reader = await conn.runAndReadAll(sql);
  const row = reader.getRowObjectsJS()[0];
  if (!row) throw new Error(`no result row for: ${sql}`);
  return row;
}

/** Case a: typed read_csv (DuckDB trusts the declared types) plus the checks. */
export async function duckCsvChecks(
  conn: DuckDBConnection,
  path: string,
  rules: readonly BenchRule[],
): Promise<EngineChecks> {
  return toChecks(await one(conn, checksSelect(rules, readCsvSql(path, true))));
}

/** Case c: read_parquet plus the checks. */
export async function duckParquetChecks(
  conn: DuckDBConnection,
  path: string,
  rules: readonly BenchRule[],
): Promise<EngineChecks> {
  return toChecks(await one(conn, checksSelect(rules, `read_parquet(${lit(path)})`)));
}

/**
 * Case d: validation as prt does it: every cell read as text, typed with TRY_CAST (a value that does
 * not convert is counted as non-conforming, not an error), nulls per column, then the rules on the
 * typed values.
 */
export async function duckValidate(
  conn: DuckDBConnection,
  path: string,
  rules: readonly BenchRule[],
): Promise<EngineChecks> {
  const typedCols = COLUMNS.map((c) =>
    c.type === 'string' ? id(c.name) : `TRY_CAST(${id(c.name)} AS ${DUCK_TYPE[c.type]}) AS ${id(c.name)}`,
  );
  const rawCols = COLUMNS.map((c) => `${id(c.name)} AS ${id(`raw:${c.name}`)}`);
  const items = [
    'count(*) AS "rows"',
    ...COLUMNS.map((c) => `count(*) - count(${id(`raw:${c.name}`)}) AS ${id(`nulls:${c.name}`)}`),
    ...COLUMNS.map(
      (c) =>
        `count_if(${id(`raw:${c.name}`)} IS NOT NULL AND ${id(c.name)} IS NULL) AS ${id(`bad:${c.name}`)}`,
    ),
    ...rules.map((r) => `${passedExpr(r)} AS ${id(`passed:${r.name}`)}`),
  ];
  const sql =
    `WITH t AS (SELECT ${[...rawCols, ...typedCols].join(', ')} FROM ${readCsvSql(path, false)}) ` +
    `SELECT ${items.join(', ')} FROM t`;
  return toChecks(await one(conn, sql));
}

/** Case b: COPY to Parquet with snappy. Returns the rows written. */
export async function duckCsvToParquet(
  conn: DuckDBConnection,
  inPath: string,
  outPath: string,
): Promise<number> {
  const reader = await conn.runAndReadAll(
    `COPY (SELECT * FROM ${readCsvSql(inPath, true)}) TO ${lit(outPath)} (FORMAT parquet, COMPRESSION snappy)`,
  );
  return Number(reader.getRowObjectsJS()[0]?.['Count'] ?? NaN);
}

/** Case e: COPY a Parquet file to CSV (header, comma). Returns the rows written. */
export async function duckParquetToCsv(
  conn: DuckDBConnection,
  inPath: string,
  outPath: string,
): Promise<number> {
  const reader = await conn.runAndReadAll(
    `COPY (SELECT * FROM read_parquet(${lit(inPath)})) TO ${lit(outPath)} (FORMAT csv, HEADER true, DELIMITER ',')`,
  );
  return Number(reader.getRowObjectsJS()[0]?.['Count'] ?? NaN);
}

/**
 * The input of case e, generated once: `rows` rows of 5 columns (int64 id, int64 customer_id,
 * float64 amount with 2 decimals, timestamp ordered_at, string category), computed from the row
 * number so the same row count always gives the same file; snappy, 122,880-row groups.
 */
export async function duckGenerateParquet(
  conn: DuckDBConnection,
  outPath: string,
  rows: number,
): Promise<number> {
  const categories = "['books', 'games', 'garden', 'home', 'music', 'sports', 'toys', 'tools']";
  const sql =
    `COPY (SELECT i AS id, (i * 7919) % 200000 + 1 AS customer_id, ` +
    `round(((i * 104729) % 1000000) / 100.0, 2)::DOUBLE AS amount, ` +
    `TIMESTAMP '2026-01-01 00:00:00' + to_seconds(i * 17) AS ordered_at, ` +
    `${categories}[i % 8 + 1] AS category ` +
    `FROM range(1, ${Math.floor(rows) + 1}) t(i)) TO ${lit(outPath)} ` +
    `(FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 122880)`;
  const reader = await conn.runAndReadAll(sql);
  return Number(reader.getRowObjectsJS()[0]?.['Count'] ?? NaN);
}
