// The harnesses every end-to-end and CLI test starts from tear down what they created: topics, and the
// registry subjects ingest registered for them. Without this, every run left hundreds of subjects behind.
import { TOPIC_NAMES, type TopicNames } from '@carestream/contract';
import { leftBehind } from '@carestream/test-support';
import { describe, expect, it } from 'vitest';
import { startTestIngest } from '../../services/cli/src/test-ingest.fixture.ts';
import { startPipeline } from './pipeline-harness.ts';

/** The topic prefix a harness chose: every topic and subject it creates starts with it. */
function prefixOf(names: TopicNames): string {
  return names.interactions.slice(0, -TOPIC_NAMES.interactions.length);
}

describe('test harnesses leave no topic or subject behind', () => {
  it('startPipeline (end-to-end tests)', async () => {
    const pipeline = await startPipeline({ partitions: 1 });
    const prefix = prefixOf(pipeline.names);
    const created = await leftBehind(prefix);
    expect(created.topics).toEqual(Object.values(pipeline.names).sort());
    expect(created.subjects).toHaveLength(4); // the four facts
    await pipeline.close();
    expect(await leftBehind(prefix)).toEqual({ topics: [], subjects: [] });
  });

  it('startTestIngest (CLI tests)', async () => {
    const ingest = await startTestIngest();
    const prefix = prefixOf(ingest.names);
    expect((await leftBehind(prefix)).subjects).toHaveLength(4);
    await ingest.close();
    expect(await leftBehind(prefix)).toEqual({ topics: [], subjects: [] });
  });
});
