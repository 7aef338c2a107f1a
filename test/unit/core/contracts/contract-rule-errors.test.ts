/**
 * Loading the quality rules of a contract: every invalid rule is a ContractError naming the file,
 * the line and the key path (`quality[0].value`), so an author can fix it without a stack trace.
 */
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../../../lambdas/core/contracts/duration';
import { parseContract } from '../../../../lambdas/core/contracts/parse-contract';
import { ContractError } from '../../../../lambdas/core/errors';

/**
 * Lines 1-10 are the header and schema; the rule starts on line 11 (`- name: r`) and each of
 * `ruleLines` follows on its own line, so the key on ruleLines[k] is on line 12 + k.
 */
function contractWithRule(ruleLines: readonly string[]): string {
  return [
    'pipeline: p',
    'step: s',
    'output: o',
    'path: data/',
    'schema:',
    '  - { name: id, type: int64 }',
    '  - { name: name, type: string }',
    '  - { name: at, type: timestamp }',
    '  - { name: day, type: date }',
    'quality:',
    '  - name: r',
    ...ruleLines.map((l) => `    ${l}`),
    '',
  ].join('\n');
}

function loadError(ruleLines: readonly string[]): ContractError {
  try {
    parseContract(contractWithRule(ruleLines), 'rules.yaml');
  } catch (error) {
    if (error instanceof ContractError) return error;
    throw error;
  }
  throw new Error('the contract loaded without an error');
}

describe('loading quality rules', () => {
  describe('column type per condition', () => {
    it.each([
      [
        'greater_than',
        ['field: name', 'condition: greater_than', 'value: 1'],
        "line 13: quality[0].condition: 'greater_than' needs a numeric column; 'name' is string",
      ],
      [
        'between',
        ['field: day', 'condition: between', 'value: [1, 2]'],
        "line 13: quality[0].condition: 'between' needs a numeric column; 'day' is date",
      ],
      [
        'mean_between',
        ['field: name', 'condition: mean_between', 'value: [1, 2]'],
        "line 13: quality[0].condition: 'mean_between' needs a numeric column; 'name' is string",
      ],
      [
        'ks_test',
        ['field: at', 'condition: ks_test', 'reference: s.csv', 'value: 0.1'],
        "line 13: quality[0].condition: 'ks_test' needs a numeric column; 'at' is timestamp",
      ],
      [
        'matches',
        ['field: id', 'condition: matches', 'value: x'],
        "line 13: quality[0].condition: 'matches' needs a string column; 'id' is int64",
      ],
      [
        'length_between',
        ['field: id', 'condition: length_between', 'value: [1, 2]'],
        "line 13: quality[0].condition: 'length_between' needs a string column; 'id' is int64",
      ],
      [
        'format',
        ['field: id', 'condition: format', 'value: email'],
        "line 13: quality[0].condition: 'format' needs a string column; 'id' is int64",
      ],
      [
        'max_age',
        ['field: name', 'condition: max_age', 'value: 7d'],
        "line 13: quality[0].condition: 'max_age' needs a timestamp or date column; 'name' is string",
      ],
    ])('%s on a column of the wrong type names the condition line', (_condition, lines, message) => {
      // Act
      const error = loadError(lines);

      // Assess
      expect(error.message).toBe(`rules.yaml: ${message}`);
    });
  });

  describe('fields', () => {
    it.each([
      [
        'a field outside the schema',
        ['field: nope', 'condition: not_null'],
        "line 12: quality[0].field: 'nope' is not a column of the schema (id, name, at, day)",
      ],
      [
        'no field for a column rule',
        ['condition: not_null'],
        "line 11: quality[0].field: condition 'not_null' needs a field",
      ],
      [
        'fields on a rule other than unique',
        ['field: id', 'fields: [id]', 'condition: not_null'],
        "line 13: quality[0].fields: fields applies to condition 'unique' only",
      ],
      [
        'an unknown column in a composite key',
        ['condition: unique', 'fields: [id, nope]'],
        "line 13: quality[0].fields[1]: 'nope' is not a column of the schema",
      ],
      [
        'a type that does not fit the condition',
        ['field: id', 'type: validity', 'condition: not_null'],
        "line 13: quality[0].type: 'validity' does not fit condition 'not_null'; expected 'completeness'",
      ],
    ])('rejects %s', (_case, lines, message) => {
      // Act
      const error = loadError(lines);

      // Assess
      expect(error.message).toBe(`rules.yaml: ${message}`);
    });
  });

  describe('values', () => {
    it.each([
      [
        'a bound that is not a number',
        ['field: id', 'condition: greater_than', 'value: ten'],
        "line 14: quality[0].value: 'ten' must be a number",
      ],
      [
        'a reversed range',
        ['field: id', 'condition: between', 'value: [5, 1]'],
        "line 14: quality[0].value: '[5,1]' must be [min, max] with min <= max",
      ],
      [
        'a range of one number',
        ['field: id', 'condition: between', 'value: 5'],
        "line 14: quality[0].value: '5' must be [min, max] with min <= max",
      ],
      [
        'a value on a condition that takes none',
        ['field: id', 'condition: not_null', 'value: 1'],
        "line 14: quality[0].value: 'not_null' takes no value",
      ],
      [
        'a value on unique',
        ['field: id', 'condition: unique', 'value: 1'],
        "line 14: quality[0].value: 'unique' takes no value",
      ],
      [
        'an allowed set that is not a list',
        ['field: name', 'condition: in_set', 'value: a'],
        "line 14: quality[0].value: 'a' must be a non-empty list of allowed values",
      ],
      [
        'an empty allowed set',
        ['field: name', 'condition: in_set', 'value: []'],
        "line 14: quality[0].value: '[]' must be a non-empty list of allowed values",
      ],
    ])('rejects %s', (_case, lines, message) => {
      // Act
      const error = loadError(lines);

      // Assess
      expect(error.message).toBe(`rules.yaml: ${message}`);
    });

    it('rejects a regular expression that does not compile, with the engine message', () => {
      // Act
      const error = loadError(['field: name', 'condition: matches', "value: '(unclosed'"]);

      // Assess
      expect(error.message).toMatch(
        /^rules\.yaml: line 14: quality\[0\]\.value: not a valid regular expression: .*Unterminated group/,
      );
    });

    it('rejects a regular expression that is not text', () => {
      // Act
      const error = loadError(['field: name', 'condition: matches', 'value: 5']);

      // Assess
      expect(error.message).toBe("rules.yaml: line 14: quality[0].value: '5' must be a regular expression");
    });

    it('compiles regular expressions in Unicode mode, where a lone brace is an error', () => {
      // Act
      const error = loadError(['field: name', 'condition: matches', "value: 'a{'"]);

      // Assess
      expect(error.message).toMatch(
        /^rules\.yaml: line 14: quality\[0\]\.value: not a valid regular expression/,
      );
    });

    it('rejects an unknown format, listing the known ones', () => {
      // Act
      const error = loadError(['field: name', 'condition: format', 'value: phone']);

      // Assess
      expect(error.message).toBe(
        "rules.yaml: line 14: quality[0].value: 'phone' is not a format; expected one of email, uuid, date, timestamp, url, ipv4, ipv6",
      );
    });

    it('rejects an unknown condition, listing the known ones', () => {
      // Act
      const error = loadError(['field: id', 'condition: positive']);

      // Assess
      expect(error.message).toMatch(
        /^rules\.yaml: line 13: quality\[0\]\.condition: 'positive' is not valid; expected one of not_null, greater_than, .*, exists_in$/,
      );
    });
  });

  describe('durations (max_age)', () => {
    it.each([['7 days'], ['7'], ['P'], ['PT'], ['P1DT'], ['-1h'], ['1y']])('rejects %j', (text) => {
      // Act
      const error = loadError(['field: at', 'condition: max_age', `value: '${text}'`]);

      // Assess
      expect(error.message).toBe(
        `rules.yaml: line 14: quality[0].value: '${text}' must be a duration such as 15m, 24h, 7d or P1DT12H`,
      );
    });

    it('rejects a number where a duration is expected', () => {
      // Act
      const error = loadError(['field: at', 'condition: max_age', 'value: 86400']);

      // Assess
      expect(error.message).toBe(
        "rules.yaml: line 14: quality[0].value: '86400' must be a duration such as 15m, 24h, 7d or P1DT12H",
      );
    });

    it('loads the duration in seconds, keeping the text for messages', () => {
      // Act
      const contract = parseContract(
        contractWithRule(['field: day', 'condition: max_age', 'value: P1DT12H']),
        'rules.yaml',
      );

      // Assess
      expect(contract.quality[0]).toMatchObject({
        type: 'timeliness',
        condition: { kind: 'max_age', seconds: 129_600, text: 'P1DT12H' },
      });
    });

    it.each([
      ['90s', 90],
      ['1.5h', 5400],
      ['15m', 900],
      ['7d', 604_800],
      ['2w', 1_209_600],
      [' 24h ', 86_400],
      ['PT30M', 1800],
      ['P1W', 604_800],
      ['PT0.5S', 0.5],
      ['P1DT12H', 129_600],
    ])('parseDuration(%j) is %d seconds', (text, seconds) => {
      // Act
      const parsed = parseDuration(text);

      // Assess
      expect(parsed).toBe(seconds);
    });
  });

  describe('expressions', () => {
    it('rejects bad syntax, naming the position in the expression', () => {
      // Act
      const error = loadError(['condition: expression', "expression: 'id >= '"]);

      // Assess
      expect(error.message).toBe(
        "rules.yaml: line 13: quality[0].expression: unexpected end of expression at 6 (rule 'r')",
      );
    });

    it('rejects an unknown column, listing the known ones', () => {
      // Act
      const error = loadError(['condition: expression', "expression: 'id >= nope'"]);

      // Assess
      expect(error.message).toBe(
        "rules.yaml: line 13: quality[0].expression: unknown column(s) nope; known: id, name, at, day (rule 'r')",
      );
    });

    it('rejects an expression rule without an expression', () => {
      // Act
      const error = loadError(['condition: expression']);

      // Assess
      expect(error.message).toBe(
        "rules.yaml: line 11: quality[0].expression: condition 'expression' needs expression: 'a >= b'",
      );
    });

    it('accepts the expression given as value', () => {
      // Act
      const contract = parseContract(
        contractWithRule(['condition: expression', "value: 'id > 0'"]),
        'rules.yaml',
      );

      // Assess
      expect(contract.quality[0]).toMatchObject({
        type: 'consistency',
        condition: { kind: 'expression', expression: 'id > 0' },
      });
    });
  });

  describe('distribution rules', () => {
    it('rejects quantile_between without a quantile, pointing at the rule', () => {
      // Act
      const error = loadError(['field: id', 'condition: quantile_between', 'value: [1, 2]']);

      // Assess
      expect(error.message).toBe(
        "rules.yaml: line 11: quality[0].quantile: quantile_between needs 'quantile', e.g. 0.95",
      );
    });

    it('rejects a quantile outside [0, 1]', () => {
      // Act
      const error = loadError(['field: id', 'condition: quantile_between', 'quantile: 1.5', 'value: [1, 2]']);

      // Assess
      expect(error.message).toMatch(/^rules\.yaml: line 14: quality\[0\]\.quantile: '1\.5': /);
    });

    it.each([['0'], ['-0.1'], ['1.5']])('rejects a KS statistic bound of %s, outside (0, 1]', (value) => {
      // Act
      const error = loadError([
        'field: id',
        'condition: ks_test',
        'reference: sample.csv',
        `value: ${value}`,
      ]);

      // Assess
      expect(error.message).toBe(
        `rules.yaml: line 15: quality[0].value: ${Number(value)} must be the largest accepted KS statistic, in (0, 1]`,
      );
    });

    it('accepts a KS statistic bound of exactly 1', () => {
      // Act
      const contract = parseContract(
        contractWithRule(['field: id', 'condition: ks_test', 'reference: sample.csv', 'value: 1']),
        'rules.yaml',
      );

      // Assess
      expect(contract.quality[0]?.condition).toEqual({
        kind: 'ks_test',
        reference: 'sample.csv',
        maxStatistic: 1,
      });
    });

    it('rejects ks_test without a reference sample', () => {
      // Act
      const error = loadError(['field: id', 'condition: ks_test', 'value: 0.1']);

      // Assess
      expect(error.message).toBe(
        'rules.yaml: line 11: quality[0].reference: ks_test needs reference: a sample file or s3:// URI',
      );
    });

    it.each([
      ['max_age', ['field: at', 'condition: max_age', 'value: 1d']],
      ['mean_between', ['field: id', 'condition: mean_between', 'value: [1, 2]']],
      ['stddev_between', ['field: id', 'condition: stddev_between', 'value: [1, 2]']],
      ['quantile_between', ['field: id', 'condition: quantile_between', 'quantile: 0.5', 'value: [1, 2]']],
      ['ks_test', ['field: id', 'condition: ks_test', 'reference: s.csv', 'value: 0.2']],
    ])('rejects a threshold on the dataset rule %s', (condition, lines) => {
      // Act
      const error = loadError([...lines, 'threshold: 0.9']);

      // Assess
      expect(error.message).toBe(
        `rules.yaml: line ${12 + lines.length}: quality[0].threshold: '${condition}' passes or fails the whole output; it takes no threshold`,
      );
    });
  });

  describe('exists_in references', () => {
    it.each([
      [
        'text instead of a mapping',
        ['field: id', 'condition: exists_in', 'reference: ingestion/customers'],
        'line 14: quality[0].reference: exists_in needs reference: { output: step/output, field: column }',
      ],
      [
        'no reference',
        ['field: id', 'condition: exists_in'],
        'line 11: quality[0].reference: exists_in needs reference: { output: step/output, field: column }',
      ],
      [
        'an output that is not step/output',
        ['field: id', 'condition: exists_in', 'reference: { output: customers, field: id }'],
        "line 14: quality[0].reference: 'customers' must be step/output or pipeline/step/output",
      ],
      [
        'a reference without its field',
        ['field: id', 'condition: exists_in', 'reference: { output: a/b }'],
        'line 14: quality[0].reference: \'{"output":"a/b"}\' is not valid here',
      ],
      [
        'a reference with an unknown key',
        ['field: id', 'condition: exists_in', 'reference: { output: a/b, field: id, column: x }'],
        "line 14: quality[0].reference.column: unknown key 'column'",
      ],
    ])('rejects %s', (_case, lines, message) => {
      // Act
      const error = loadError(lines);

      // Assess
      expect(error.message).toBe(`rules.yaml: ${message}`);
    });

    it('loads a pipeline-qualified reference', () => {
      // Act
      const contract = parseContract(
        contractWithRule([
          'field: id',
          'condition: exists_in',
          'reference: { output: crm/ingestion/customers, field: customer_id }',
        ]),
        'rules.yaml',
      );

      // Assess
      expect(contract.quality[0]).toMatchObject({
        type: 'referential',
        condition: { kind: 'exists_in', output: 'crm/ingestion/customers', field: 'customer_id' },
      });
    });
  });
});
