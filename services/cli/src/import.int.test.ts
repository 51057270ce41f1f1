import { spawn, type ChildProcess } from 'node:child_process';
import { access, mkdtemp, readFile, rm, stat, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { ApiKeyStore } from '@carestream/api-keys';
import { DAY_MS, DEFAULT_RETENTION_MS, type TopicNames } from '@carestream/contract';
import { createKafka, EventCodec } from '@carestream/kafka';
import { createPool, type Pool } from '@carestream/postgres';
import { testServices, uniqueName } from '@carestream/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointPathFor, readCheckpoint, writeCheckpoint } from './import/checkpoint.ts';
import { runImport, type ImportOptions, type ImportSummary } from './import/importer.ts';
import { CapturedOutput } from './captured-output.fixture.ts';
import { buildProgram } from './program.ts';
import { startTestIngest, type TestIngest } from './test-ingest.fixture.ts';

const CLI = fileURLToPath(new URL('../bin/carestream.js', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface RejectLine {
  line: number;
  item: string;
  errors: { field: string; message: string }[];
}

describe('carestream import against the real ingest service, Kafka and Postgres', () => {
  const services = testServices();
  let ingest: TestIngest;
  let names: TopicNames;
  let pool: Pool;
  let url: string;
  let writeKey: string;
  let directory: string;

  beforeAll(async () => {
    // The default retention window, which test-ingest widens: every date here is relative to now.
    ingest = await startTestIngest({ CARESTREAM_RETENTION_DAYS: String(DEFAULT_RETENTION_MS / DAY_MS) });
    ({ url, names } = ingest);
    pool = createPool({ connectionString: ingest.database.url, max: 2 });
    writeKey = (await new ApiKeyStore(pool).create({ scope: 'write', brandIds: ['acme'] })).token;
    directory = await mkdtemp(join(tmpdir(), 'cs-import-'));
  });

  afterAll(async () => {
    await pool?.end();
    await ingest?.close();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  const INVALID: Readonly<Record<number, string>> = {
    100: 'item', // not JSON
    500: 'channel',
    1200: 'kind',
    1999: 'brandId', // a brand the key may not write
    2400: 'receivedAt',
  };
  const BLANK_LINE = 1500;

  /** 2,500 lines: valid mentions, five invalid lines (one not JSON) and a blank line. */
  async function writeEvents(name: string, total = 2500) {
    const marker = uniqueName('imp');
    const valid: string[] = [];
    const lines: string[] = [];
    const receivedAt = new Date(Date.now() - 3_600_000).toISOString();
    for (let line = 1; line <= total; line += 1) {
      const mention: Record<string, unknown> = {
        type: 'mention',
        eventId: `${marker}-${line}`,
        brandId: 'acme',
        channel: 'x',
        conversationId: `${marker}-c${line % 97}`,
        messageId: `${marker}-msg-${line}`,
        authorId: `customer-${line % 301}`,
        receivedAt,
        kind: line % 3 === 0 ? 'question' : 'complaint',
        sentiment: -0.4,
        text: `my order ${line} never arrived — ünïcode`,
      };
      if (line === BLANK_LINE) lines.push('');
      else if (INVALID[line] === 'item') lines.push('{"type": "mention",');
      else {
        if (INVALID[line] === 'channel') mention.channel = 'fax';
        if (INVALID[line] === 'kind') delete mention.kind;
        if (INVALID[line] === 'brandId') mention.brandId = 'globex';
        if (INVALID[line] === 'receivedAt') mention.receivedAt = 'yesterday';
        if (INVALID[line] === undefined) valid.push(`${marker}-${line}`);
        lines.push(JSON.stringify(mention));
      }
    }
    const path = join(directory, name);
    await writeFile(path, `${lines.join('\n')}\n`);
    return { path, marker, valid, lines };
  }

  const importOptions = (file: string, overrides: Partial<ImportOptions> = {}): ImportOptions => ({
    file,
    url,
    apiKey: writeKey,
    batchSize: 1000,
    resume: false,
    maxRetries: 2,
    progress: false,
    ...overrides,
  });

  async function importFile(file: string, overrides: Partial<ImportOptions> = {}): Promise<ImportSummary> {
    return runImport(importOptions(file, overrides), {
      stdout: new CapturedOutput(),
      stderr: new CapturedOutput(),
    });
  }

  async function readRejects(path: string): Promise<RejectLine[]> {
    const text = await readFile(path, 'utf8');
    return text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as RejectLine);
  }

  /** Every event on the interactions topic whose eventId starts with the marker, duplicates included. */
  async function eventIdsOn(marker: string, expectAtLeast: number): Promise<string[]> {
    const kafka = createKafka({ brokers: services.kafkaBrokers, clientId: 'cli-test-reader' });
    const codec = EventCodec.forDecoding(new SchemaRegistry({ host: services.schemaRegistryUrl }));
    const consumer = kafka.consumer({ groupId: uniqueName('cli-test') });
    const ids: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: names.interactions, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const event = await codec.decode(message.value);
        if (event.eventId.startsWith(`${marker}-`)) ids.push(event.eventId);
      },
    });
    const deadline = Date.now() + 60_000;
    while (ids.length < expectAtLeast && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 1000)); // and nothing more arrives
    await consumer.disconnect();
    return ids;
  }

  const exists = (path: string) =>
    access(path).then(
      () => true,
      () => false,
    );

  function spawnCli(args: string[], env: Record<string, string> = {}) {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, CARESTREAM_API_KEY: writeKey, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    return { child, exited, output: () => ({ stdout, stderr }) };
  }

  async function waitFor(condition: () => Promise<boolean>, child: ChildProcess): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (!(await condition())) {
      if (child.exitCode !== null) throw new Error('the import finished before it could be interrupted');
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  it('imports 2,500 NDJSON lines in batches and writes every rejected line with its reasons', async () => {
    const { path, marker, valid, lines } = await writeEvents('events.ndjson');
    const summary = await importFile(path);
    expect(summary).toMatchObject({
      completed: true,
      accepted: valid.length,
      duplicates: 0,
      rejected: 5,
      batchesSent: 3,
      linesDone: 2500,
      rejectsFile: `${path}.rejects.ndjson`,
    });
    expect(valid).toHaveLength(2494);
    console.info(
      `import throughput: ${lines.length} lines in ${summary.seconds.toFixed(2)}s = ` +
        `${Math.round(lines.length / summary.seconds)} lines/s (batches of 1000)`,
    );

    const rejects = await readRejects(`${path}.rejects.ndjson`);
    expect(rejects.map((reject) => [reject.line, reject.errors[0]?.field])).toEqual(
      Object.entries(INVALID).map(([line, field]) => [Number(line), field]),
    );
    expect(rejects[0]).toEqual({
      line: 100,
      item: '{"type": "mention",',
      errors: [{ field: 'item', message: expect.stringMatching(/is not valid JSON/) }],
    });
    expect(rejects[1]?.item).toBe(lines[499]);
    expect(rejects[3]?.errors[0]?.message).toMatch(/"globex" is not a brand this API key may write/);
    // Done: no checkpoint is left to resume.
    expect(await exists(checkpointPathFor(path))).toBe(false);

    const stored = await eventIdsOn(marker, valid.length);
    expect(stored.length).toBe(valid.length);
    expect(new Set(stored)).toEqual(new Set(valid));
  });

  it('stops cleanly on Ctrl-C and resumes without sending an acknowledged batch twice', async () => {
    const { path, marker, valid } = await writeEvents('interrupted.ndjson');
    const run = spawnCli(['import', path, '--url', url, '--batch-size', '100']);
    await waitFor(() => exists(checkpointPathFor(path)), run.child);
    run.child.kill('SIGINT');
    const { code } = await run.exited;
    expect(code, run.output().stderr).toBe(130);
    expect(run.output().stdout).toMatch(/interrupted .*run again with --resume/);
    const checkpoint = await readCheckpoint(checkpointPathFor(path));
    expect(checkpoint?.linesDone).toBeGreaterThan(0);
    expect(checkpoint?.linesDone).toBeLessThan(2500);

    const resumed = spawnCli(['import', path, '--url', url, '--batch-size', '100', '--resume']);
    const result = await resumed.exited;
    expect(result.code, resumed.output().stderr).toBe(0);
    expect(resumed.output().stdout).toMatch(
      new RegExp(`imported .*: ${valid.length.toLocaleString('en-US')} accepted, 0 duplicates, 5 rejected`),
    );
    expect(resumed.output().stdout).toMatch(
      new RegExp(`resumed after line ${checkpoint?.linesDone.toLocaleString('en-US')}`),
    );
    expect(await exists(checkpointPathFor(path))).toBe(false);
    expect((await readRejects(`${path}.rejects.ndjson`)).map((reject) => reject.line)).toEqual(
      Object.keys(INVALID).map(Number),
    );

    // Exactly once: the first run's acknowledged batches were not sent again.
    const stored = await eventIdsOn(marker, valid.length);
    expect(stored.length).toBe(valid.length);
    expect(new Set(stored)).toEqual(new Set(valid));
  });

  it('resumes a killed run from its last checkpoint: nothing lost, at most the batch in flight sent again', async () => {
    const { path, marker, valid } = await writeEvents('killed.ndjson');
    const run = spawnCli(['import', path, '--url', url, '--batch-size', '100']);
    await waitFor(() => exists(checkpointPathFor(path)), run.child);
    run.child.kill('SIGKILL');
    expect((await run.exited).signal).toBe('SIGKILL');

    const summary = await importFile(path, { batchSize: 100, resume: true });
    expect(summary).toMatchObject({ completed: true, accepted: valid.length, rejected: 5 });
    expect(summary.resumedAfterLine).toBeGreaterThan(0);
    expect((await readRejects(`${path}.rejects.ndjson`)).map((reject) => reject.line)).toEqual(
      Object.keys(INVALID).map(Number),
    );
    const stored = await eventIdsOn(marker, valid.length);
    expect(new Set(stored)).toEqual(new Set(valid));
    expect(stored.length - valid.length).toBeLessThanOrEqual(100);
  });

  it('continues from a checkpoint a killed run left, and refuses one for a file that changed since', async () => {
    const { path, marker, lines } = await writeEvents('checkpointed.ndjson', 300);
    const info = await stat(path);
    const bytesDone = Buffer.byteLength(`${lines.slice(0, 120).join('\n')}\n`);
    // What a run killed after its first batch of 120 lines (line 100 rejected) leaves behind.
    await writeFile(
      `${path}.rejects.ndjson`,
      `${JSON.stringify({ line: 100, item: lines[99], errors: [] })}\n`,
    );
    await writeCheckpoint(checkpointPathFor(path), {
      version: 1,
      file: path,
      format: 'ndjson',
      size: info.size,
      mtimeMs: info.mtimeMs,
      linesDone: 120,
      bytesDone,
      accepted: 119,
      duplicates: 0,
      rejected: 1,
      rejectsFile: `${path}.rejects.ndjson`,
      rejectsBytes: (await stat(`${path}.rejects.ndjson`)).size,
      updatedAt: new Date().toISOString(),
    });
    const summary = await importFile(path, { resume: true });
    expect(summary).toMatchObject({ completed: true, accepted: 299, rejected: 1, resumedAfterLine: 120 });
    const stored = await eventIdsOn(marker, 180);
    expect(stored.sort()).toEqual(Array.from({ length: 180 }, (_, i) => `${marker}-${i + 121}`).sort());

    const changed = await writeEvents('changed.ndjson', 300);
    const before = await stat(changed.path);
    await writeCheckpoint(checkpointPathFor(changed.path), {
      version: 1,
      file: changed.path,
      format: 'ndjson',
      size: before.size,
      mtimeMs: before.mtimeMs,
      linesDone: 120,
      bytesDone: 1000,
      accepted: 119,
      duplicates: 0,
      rejected: 1,
      rejectsFile: `${changed.path}.rejects.ndjson`,
      rejectsBytes: 0,
      updatedAt: new Date().toISOString(),
    });
    await appendFile(changed.path, `${changed.lines[0]}\n`);
    await expect(importFile(changed.path, { resume: true })).rejects.toThrow(
      /cannot resume: the file changed/,
    );
    await expect(importFile(join(directory, 'never.ndjson'), { resume: true })).rejects.toThrow(
      /does not exist/,
    );

    // A checkpoint planted next to a file may not aim the rejects (truncated, then appended to) elsewhere,
    // nor be another file's.
    const planted = await writeEvents('planted.ndjson', 10);
    const victim = join(directory, 'victim.txt');
    await writeFile(victim, 'keep me\n');
    const plantedInfo = await stat(planted.path);
    const plantedCheckpoint = {
      version: 1,
      file: planted.path,
      format: 'ndjson',
      size: plantedInfo.size,
      mtimeMs: plantedInfo.mtimeMs,
      linesDone: 0,
      bytesDone: 0,
      accepted: 0,
      duplicates: 0,
      rejected: 0,
      rejectsFile: victim,
      rejectsBytes: 0,
      updatedAt: '2026-11-29T00:00:00.000Z',
    } as const;
    await writeCheckpoint(checkpointPathFor(planted.path), plantedCheckpoint);
    await expect(importFile(planted.path, { resume: true })).rejects.toThrow(
      /keeps writing its rejects to .*victim\.txt; pass --rejects with that path/,
    );
    expect(await readFile(victim, 'utf8')).toBe('keep me\n');
    await writeCheckpoint(checkpointPathFor(planted.path), {
      ...plantedCheckpoint,
      file: victim,
      rejectsFile: `${planted.path}.rejects.ndjson`,
    });
    await expect(importFile(planted.path, { resume: true })).rejects.toThrow(
      /cannot resume: the checkpoint is for .*victim\.txt, not .*planted\.ndjson/,
    );
  });

  it('imports CSV: converts cells, rejects bad rows with their line numbers', async () => {
    const marker = uniqueName('csv');
    const at = new Date(Date.now() - 60_000).toISOString();
    const beforeRetention = new Date(Date.now() - 401 * DAY_MS).toISOString();
    const csv = [
      'type,eventId,brandId,channel,conversationId,messageId,authorId,receivedAt,kind,sentiment,needsResponse,private,text,agentId,sentAt,automated,name,industry,timezone,businessHours,slaTargetSeconds,ownAccountIds',
      `mention,${marker}-1,acme,x,${marker}-c,${marker}-m1,cust-1,${at},complaint,-0.8,,false,"late, again",,,,,,,,,`,
      `reply,${marker}-2,acme,x,${marker}-c,${marker}-m2,,,,,,,,agent-7,${at},no,,,,,,`,
      `mention,${marker}-3,acme,x,${marker}-c,${marker}-m3,cust-1,${at},question,very bad,,,,,,,,,,,,`,
      `mention,${marker}-4,acme,fax,${marker}-c,${marker}-m4,cust-1,${at},question,,,,"a ""quoted""`,
      `multi-line text",,,,,,,,,`,
      `brand_profile,${marker}-5,acme,,,,,,,,,,,,,,Acme,retail,Europe/Paris,"[{""weekday"":1,""open"":""09:00"",""close"":""17:00""}]",1800,"[""2244994945""]"`,
      `mention,${marker}-6,acme,x`,
      `mention,${marker}-7,acme,x,${marker}-c,${marker}-m7,cust-1,${beforeRetention},complaint,,,,,,,,,,,,,`,
    ].join('\n');
    const path = join(directory, 'events.csv');
    await writeFile(path, `${csv}\n`);
    const summary = await importFile(path);
    expect(summary).toMatchObject({ completed: true, format: 'csv', accepted: 3, rejected: 4 });
    const rejects = await readRejects(`${path}.rejects.ndjson`);
    expect(rejects.map((reject) => [reject.line, reject.errors.map((error) => error.field)])).toEqual([
      [4, ['sentiment']],
      [5, ['channel']],
      [8, ['item']],
      [9, ['receivedAt']],
    ]);
    expect(rejects[1]?.item).toContain('multi-line text');
    // The words ingest answers POST /v1/events with, as they are.
    expect(rejects[3]?.errors[0]?.message).toMatch(
      /^is older than the retention window of 400 days \(before \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\); carestream keeps exact figures only inside it$/,
    );
    const stored = await eventIdsOn(marker, 2);
    expect(stored.sort()).toEqual([`${marker}-1`, `${marker}-2`]);
  });

  it('imports CSV under the id grammar: a hostile id is a reject naming its field, text loses its NULs', async () => {
    const marker = uniqueName('grammar');
    const at = new Date(Date.now() - 60_000).toISOString();
    const csv = [
      'type,eventId,brandId,channel,conversationId,messageId,authorId,receivedAt,kind,text',
      `mention,${marker}-1,acme,x,${marker}-c\u0000,${marker}-m1,cust-1,${at},complaint,`,
      `mention,${marker}-2,acme,x,${marker}-c,${marker}-m2,cust-1\u200B,${at},complaint,`,
      `mention,${marker}-3,../x,x,${marker}-c,${marker}-m3,cust-1,${at},complaint,`,
      `mention,${marker}-4,acme,x,${marker}-c,${marker}-m4,cust-1,${at},complaint,"where\u0000 is it"`,
    ].join('\n');
    const path = join(directory, 'grammar.csv');
    await writeFile(path, `${csv}\n`);
    const summary = await importFile(path);
    expect(summary).toMatchObject({ completed: true, format: 'csv', accepted: 1, rejected: 3 });
    const rejects = await readRejects(`${path}.rejects.ndjson`);
    expect(rejects.map((reject) => [reject.line, reject.errors.map((error) => error.field)])).toEqual([
      [2, ['conversationId']],
      [3, ['authorId']],
      [4, ['brandId']],
    ]);
    expect(rejects[0]?.errors[0]?.message).toMatch(/U\+0000, a control character/);
    expect(rejects[1]?.errors[0]?.message).toMatch(/U\+200B, an invisible format character/);
    expect(await eventIdsOn(marker, 1)).toEqual([`${marker}-4`]);
  });

  it('stops with a clear message and exit code 1 when the key is refused', async () => {
    const { path } = await writeEvents('refused.ndjson', 10);
    const run = spawnCli(['import', path, '--url', url], {
      CARESTREAM_API_KEY: 'cs_aaaaaaaaaaaa_' + 'b'.repeat(43),
    });
    const { code } = await run.exited;
    expect(code).toBe(1);
    expect(run.output().stderr).toMatch(/carestream: the ingest service refused the API key/);
    expect(run.output().stderr).not.toContain('b'.repeat(43));
  });

  it('with no key and no --url, as in the README next to npm start: its admin key, its INGEST_PORT', async () => {
    const { path, marker, valid } = await writeEvents('next-to-npm-start.ndjson', 10);
    const stateDir = await mkdtemp(join(tmpdir(), 'cs-import-stack-'));
    try {
      // The key `npm start` keeps (any key ingest takes will do here).
      await writeFile(join(stateDir, 'admin-key'), `${writeKey}\n`);
      const stdout = new CapturedOutput();
      const io = {
        env: { CARESTREAM_STATE_DIR: stateDir, INGEST_PORT: new URL(url).port },
        stdout,
        stderr: new CapturedOutput(),
      };
      await buildProgram(io).parseAsync(['import', path, '--no-progress'], { from: 'user' });
      expect(stdout.text).toMatch(/: 10 accepted, 0 duplicates, 0 rejected/);
      expect((await eventIdsOn(marker, valid.length)).sort()).toEqual([...valid].sort());
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
