/**
 * The consumer edges of a report as the registry records them: one per consumer, the changes that
 * set the level in words with their cast plans, bounded in count and length; recorded on the tested
 * version's entry through the registry port.
 */
import { describe, expect, it } from 'vitest';
import type { EdgeGrade } from '../../../../lambdas/core/contracts/edge-grade';
import { objectPk, versionSk } from '../../../../lambdas/core/registry/output-registry';
import {
  MAX_EDGE_REASON,
  MAX_RECORDED_EDGES,
  recordedEdgesOf,
} from '../../../../lambdas/core/validation/consumer-edges';
import { recordConsumerEdges } from '../../../../lambdas/core/workflow/validate-output';
import { InMemoryRegistry } from '../../../fixtures/in-memory-registry';

function edge(overrides: Partial<EdgeGrade> = {}): EdgeGrade {
  return {
    producer: 'p/a/out',
    consumer: 'p/b/out',
    level: 'convertible',
    accepts: 'compatible',
    onBreak: 'fail',
    breaks: true,
    changes: [
      { column: 'extra', change: 'not read (string)', level: 'compatible' },
      {
        column: 'v',
        change: 'int64 read as int32',
        level: 'convertible',
        castPlan: 'cast int64 to int32: all 2 values fit',
      },
    ],
    ...overrides,
  };
}

describe('recordedEdgesOf', () => {
  it('keeps consumer, levels and verdict, and the changes that set the level as the reason', () => {
    // Act
    const [recorded] = recordedEdgesOf([edge()]);

    // Assess
    expect(recorded).toEqual({
      consumer: 'p/b/out',
      level: 'convertible',
      accepts: 'compatible',
      breaks: true,
      onBreak: 'fail',
      reason: 'v: int64 read as int32 (cast int64 to int32: all 2 values fit)',
    });
  });

  it('says a strict edge reads the output as declared', () => {
    // Act
    const [recorded] = recordedEdgesOf([edge({ level: 'strict', breaks: false, changes: [] })]);

    // Assess
    expect(recorded?.reason).toBe('reads it as declared');
  });

  it('bounds the consumers recorded and the length of a reason', () => {
    // Arrange
    const long = edge({
      changes: [{ column: 'v', change: 'x'.repeat(2 * MAX_EDGE_REASON), level: 'convertible' }],
    });
    const many = Array.from({ length: MAX_RECORDED_EDGES + 5 }, (_, i) => edge({ consumer: `p/s${i}/o` }));

    // Act
    const [cut] = recordedEdgesOf([long]);
    const bounded = recordedEdgesOf(many);

    // Assess
    expect(cut?.reason).toHaveLength(MAX_EDGE_REASON);
    expect(cut?.reason.endsWith('…')).toBe(true);
    expect(bounded).toHaveLength(MAX_RECORDED_EDGES);
  });
});

describe('recordConsumerEdges', () => {
  const uri = 's3://landing/a/out.parquet';
  const sk = versionSk('v1', 'e1');

  it('records the edges on the tested version’s entry', async () => {
    // Arrange
    const registry = new InMemoryRegistry([
      {
        pk: objectPk(uri),
        sk,
        uri,
        bucket: 'landing',
        key: 'a/out.parquet',
        versionId: 'v1',
        etag: 'e1',
        size: 1,
        status: 'pending',
        dataType: 'pipeline',
        registeredAt: '2024-06-01T00:00:00Z',
        eventTime: '2024-06-01T00:00:00Z',
      },
    ]);

    // Act
    await recordConsumerEdges({ registry }, { uri, sk }, { consumers: [edge()] });

    // Assess
    expect((await registry.get(objectPk(uri), sk))?.consumerEdges).toEqual(recordedEdgesOf([edge()]));
  });

  it('writes nothing for an output no contract reads', async () => {
    // Arrange
    const registry = new InMemoryRegistry();

    // Act: an unregistered version would be an error, so a call would show.
    await recordConsumerEdges({ registry }, { uri, sk }, {});

    // Assess
    expect(registry.entries()).toEqual([]);
  });
});
