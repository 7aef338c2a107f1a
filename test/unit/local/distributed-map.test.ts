import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import {
  GET_OBJECT_RESOURCE,
  LIST_OBJECTS_RESOURCE,
  localizeDistributedMaps,
} from '../../../lib/local/distributed-map';
import { projectPath } from '../../../lib/config/project-paths';
import { OUTPUT_TESTING_ASL } from '../../../lib/config/workflow-definition';

type State = Record<string, unknown> & { Type: string };
interface Definition {
  StartAt: string;
  States: Record<string, State>;
}

function deployedDefinition(): Definition {
  return JSON.parse(readFileSync(projectPath(OUTPUT_TESTING_ASL), 'utf8')) as Definition;
}

/** Every transition of a state list, as `state → target` (Next, Default, Choices and Catch). */
function transitions(states: Record<string, State>): string[] {
  const found: string[] = [];
  for (const [name, state] of Object.entries(states)) {
    for (const field of ['Next', 'Default'] as const) {
      if (typeof state[field] === 'string') found.push(`${name} → ${state[field]}`);
    }
    for (const list of ['Choices', 'Catch'] as const) {
      for (const c of (state[list] as { Next?: string }[] | undefined) ?? [])
        found.push(`${name} → ${c.Next}`);
    }
  }
  return found;
}

function state(definition: Definition, name: string): State {
  const found = definition.States[name];
  if (!found)
    throw new Error(`no state ${name}; the definition has ${Object.keys(definition.States).join(', ')}`);
  return found;
}

/** A small definition whose only state is a Distributed Map reading S3. */
function mapDefinition(mapFields: Record<string, unknown> = {}): Definition {
  return {
    StartAt: 'Parts',
    States: {
      Parts: {
        Type: 'Map',
        ItemReader: {
          Resource: LIST_OBJECTS_RESOURCE,
          Parameters: { Bucket: 'b', Prefix: 'p/' },
        },
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' },
          StartAt: 'One',
          States: { One: { Type: 'Pass', End: true } },
        },
        ToleratedFailureCount: 3,
        End: true,
        ...mapFields,
      },
    },
  };
}

describe('localizeDistributedMaps on the deployed definition', () => {
  it("puts a GetObject Task reading the plan's manifest, with the map Catch, in front of ValidateParts", () => {
    // Prepare
    const definition = deployedDefinition();
    const map = state(definition, 'ValidateParts');
    const reader = map['ItemReader'] as { Parameters: unknown };

    // Act
    const local = localizeDistributedMaps(definition);

    // Assess
    expect(state(local, 'ValidatePartsItemReader')).toEqual({
      Type: 'Task',
      Comment: expect.any(String) as string,
      Resource: 'arn:aws:states:::s3:getObject',
      Parameters: reader.Parameters,
      ResultPath: '$.localItemReader.ValidateParts',
      Catch: map['Catch'],
      Next: 'ValidateParts',
    });
    expect(reader.Parameters).toEqual({ Bucket: '${ArtifactsBucketName}', 'Key.$': '$.manifest.key' });
  });

  it('sends every transition that targeted ValidateParts to the reader instead', () => {
    // Prepare
    const definition = deployedDefinition();
    const before = transitions(definition.States);
    const intoMap = before.filter((t) => t.endsWith(' → ValidateParts'));

    // Act
    const local = localizeDistributedMaps(definition);

    // Assess
    expect(intoMap.length).toBeGreaterThan(0);
    const after = transitions(local.States);
    expect(after.filter((t) => t.endsWith(' → ValidateParts'))).toEqual([
      'ValidatePartsItemReader → ValidateParts',
    ]);
    expect(after).toEqual(
      expect.arrayContaining(intoMap.map((t) => t.replace(/ValidateParts$/, 'ValidatePartsItemReader'))),
    );
    // Nothing else moved: apart from the readers' own (every Distributed Map gets one: the
    // validation's and the conversion's), the other transitions are the deployed ones.
    const maps = Object.entries(definition.States)
      .filter(([, s]) => (s as Record<string, unknown>)['ItemReader'] !== undefined)
      .map(([name]) => name);
    expect(maps).toEqual(expect.arrayContaining(['ValidateParts', 'ConvertRanges']));
    const moved = new RegExp(`(^(${maps.join('|')})ItemReader )|( (${maps.join('|')})(ItemReader)?$)`);
    const untouched = (ts: string[]) => ts.filter((t) => !moved.test(t)).sort();
    expect(untouched(after)).toEqual(untouched(before));
    expect(local.StartAt).toBe(definition.StartAt);
  });

  it('iterates the map over the reader output and drops ItemReader, ResultWriter and tolerated failures', () => {
    // Prepare
    const definition = deployedDefinition();
    const deployed = state(definition, 'ValidateParts');

    // Act
    const map = state(localizeDistributedMaps(definition), 'ValidateParts');

    // Assess
    expect(map['ItemsPath']).toBe('$.localItemReader.ValidateParts');
    for (const dropped of ['ItemReader', 'ResultWriter', 'ToleratedFailurePercentagePath']) {
      expect(map).not.toHaveProperty(dropped);
    }
    // The rest is the deployed map unchanged.
    const { ItemReader: _r, ResultWriter: _w, ToleratedFailurePercentagePath: _t, ...kept } = deployed;
    expect(map).toEqual({ ...kept, ItemsPath: '$.localItemReader.ValidateParts' });
  });

  it('leaves its input untouched', () => {
    // Prepare
    const definition = deployedDefinition();
    const pristine = structuredClone(definition);

    // Act
    const local = localizeDistributedMaps(definition);

    // Assess
    expect(local).not.toBe(definition);
    expect(definition).toEqual(pristine);
  });
});

describe('localizeDistributedMaps on other definitions', () => {
  it.each([
    [LIST_OBJECTS_RESOURCE, { Bucket: 'b', Prefix: 'p/' }, undefined],
    [GET_OBJECT_RESOURCE, { Bucket: 'b', Key: 'items.json' }, { InputType: 'JSON' }],
  ])('keeps the resource and parameters of a %s reader in its stand-in', (resource, parameters, config) => {
    // Prepare
    const definition = mapDefinition({
      ItemReader: { Resource: resource, Parameters: parameters, ...(config ? { ReaderConfig: config } : {}) },
    });

    // Act
    const reader = state(localizeDistributedMaps(definition), 'PartsItemReader');

    // Assess
    expect(reader).toMatchObject({ Type: 'Task', Resource: resource, Parameters: parameters, Next: 'Parts' });
  });

  it('starts at the reader when the map is the start state, and drops every tolerated-failure field', () => {
    // Prepare
    const definition = mapDefinition({ ToleratedFailurePercentage: 5, ToleratedFailureCountPath: '$.n' });

    // Act
    const local = localizeDistributedMaps(definition);

    // Assess
    expect(local.StartAt).toBe('PartsItemReader');
    expect(state(local, 'PartsItemReader')).not.toHaveProperty('Catch');
    const map = state(local, 'Parts');
    for (const dropped of [
      'ToleratedFailurePercentage',
      'ToleratedFailureCount',
      'ToleratedFailureCountPath',
    ]) {
      expect(map).not.toHaveProperty(dropped);
    }
  });

  it('localizes a Distributed Map nested in an item processor within that processor', () => {
    // Prepare
    const inner = mapDefinition();
    const definition: Definition = {
      StartAt: 'Outer',
      States: {
        Outer: { Type: 'Map', ItemsPath: '$.items', ItemProcessor: inner, End: true },
      },
    };

    // Act
    const local = localizeDistributedMaps(definition);

    // Assess
    const processor = state(local, 'Outer')['ItemProcessor'] as Definition;
    expect(processor.StartAt).toBe('PartsItemReader');
    expect(Object.keys(processor.States).sort()).toEqual(['Parts', 'PartsItemReader']);
    expect(Object.keys(local.States)).toEqual(['Outer']);
  });

  it.each<[string, Record<string, unknown>]>([
    [
      'a GetObject ItemReader of CSV',
      { ItemReader: { Resource: GET_OBJECT_RESOURCE, ReaderConfig: { InputType: 'CSV' } } },
    ],
    [
      'an S3 inventory ItemReader',
      { ItemReader: { Resource: GET_OBJECT_RESOURCE, ReaderConfig: { InputType: 'MANIFEST' } } },
    ],
    ['an ItemBatcher', { ItemBatcher: { MaxItemsPerBatch: 10 } }],
  ])('refuses a map with %s, naming the state', (_what, fields) => {
    // Prepare
    const definition = mapDefinition(fields);

    // Act
    const act = () => localizeDistributedMaps(definition);

    // Assess
    expect(act).toThrow(/^Map state Parts: /);
  });
});
