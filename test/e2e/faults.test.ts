// No loss and no double count under faults: two processor instances share the partitions while events
// flow; one of them is killed with SIGKILL ten times at random moments (and restarted), PostgreSQL is
// restarted once mid-stream, and the SLA figures, backlog and churn signals must still equal the ground
// truth exactly.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SeededRandom } from '@carestream/domain';
import { generateScenario, toIngestItem } from '@carestream/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startPipeline, waitForCatchUp, type Pipeline } from './pipeline-harness.ts';
import {
  bucketsByBrandChannel,
  expectChurnOutcomesMatchTruth,
  expectFiguresMatchTruth,
} from './truth-assertions.ts';

const run = promisify(execFile);
const PROCESSORS_MAIN = fileURLToPath(new URL('../../services/processors/src/main.ts', import.meta.url));
const STACK = fileURLToPath(new URL('../../infra/local-stack/stack.sh', import.meta.url));
const HOUR = 3_600_000;

describe('faults: SIGKILLed processors and a PostgreSQL restart', () => {
  let pipeline: Pipeline;
  const instances: (ChildProcess | undefined)[] = [undefined, undefined];
  const scenario = generateScenario({
    seed: 4242,
    conversations: 3000,
    brands: 6,
    startMs: Date.UTC(2026, 10, 22, 8),
    spanMs: 6 * HOUR,
    horizonMs: HOUR,
    duplicateRate: 0.03,
  });

  function startInstance(slot: number): void {
    const child = spawn(process.execPath, ['--import', 'tsx', PROCESSORS_MAIN], {
      env: { ...process.env, ...pipeline.env, PROCESSORS_PORT: '0', KAFKAJS_NO_PARTITIONER_WARNING: '1' },
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    instances[slot] = child;
  }

  async function kill(slot: number): Promise<void> {
    const child = instances[slot];
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** POSTs a batch, retrying while ingest answers 503 (Kafka or Postgres briefly away). */
  async function send(items: readonly unknown[]): Promise<void> {
    const body = items.map((item) => JSON.stringify(item)).join('\n');
    for (let attempt = 0; ; attempt += 1) {
      const response = await fetch(`${pipeline.ingestUrl}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/x-ndjson' },
        body,
      }).catch(() => undefined);
      if (response?.status === 202) return;
      if (attempt > 60) throw new Error(`ingest kept failing: ${response?.status} ${await response?.text()}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  beforeAll(async () => {
    pipeline = await startPipeline({ partitions: 6, horizonHours: 1, withProcessors: false });
    await send(scenario.profiles.map(toIngestItem));
    startInstance(0);
    startInstance(1);
    // A brand is set up before its traffic: the SLA fold reads its profile (own accounts, target).
    const deadline = Date.now() + 120_000;
    for (;;) {
      const { rows } = await pipeline.pool.query<{ n: number }>(
        'select count(*)::int as n from brand_profiles',
      );
      if ((rows[0]?.n ?? 0) === scenario.profiles.length) break;
      if (Date.now() > deadline) throw new Error('brand profiles were not applied');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  });

  afterAll(async () => {
    await kill(0);
    await kill(1);
    await pipeline?.close();
  });

  it('ends with projections equal to the ground truth', async () => {
    const random = new SeededRandom(99);
    const items = scenario.events.map(toIngestItem);
    const batches: unknown[][] = [];
    for (let i = 0; i < items.length; i += 200) batches.push(items.slice(i, i + 200));

    let kills = 0;
    let postgresRestarted = false;
    const chaos = (async () => {
      while (kills < 10) {
        await new Promise((resolve) => setTimeout(resolve, 700 + random.int(0, 1500)));
        const slot = random.int(0, 1);
        await kill(slot);
        kills += 1;
        startInstance(slot);
        if (kills === 5) {
          await run('bash', [STACK, 'restart-postgres']);
          postgresRestarted = true;
        }
      }
    })();
    for (const batch of batches) {
      await send(batch);
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    await chaos;
    expect(kills).toBe(10);
    expect(postgresRestarted).toBe(true);

    // The instances are processes of their own: their compactors fold the last bucket deltas; wait for them.
    await waitForCatchUp(pipeline, 240_000);
    expectFiguresMatchTruth(scenario, await bucketsByBrandChannel(pipeline));
    const schema = 'sla_g1';
    const open = await pipeline.pool.query<{ mention_event_id: string }>(
      `select mention_event_id from ${schema}.open_mentions`,
    );
    const expectedOpen = [...scenario.truth.mentionStatus]
      .filter(([, status]) => status.status === 'open')
      .map(([id]) => id);
    expect(open.rows.map((row) => row.mention_event_id).sort()).toEqual(expectedOpen.sort());
    // The churn signals are written in the same transactions: nothing lost or doubled there either.
    expect(await expectChurnOutcomesMatchTruth(scenario, pipeline)).toBeGreaterThan(1000);
  });
});
