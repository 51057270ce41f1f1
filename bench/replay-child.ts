// Runs `replayProjection` for each projection named in BENCH_REPLAY (default sla) in a process of its
// own, so its memory is its own; prints one JSON line with the results and its peak RSS.
import { readFile } from 'node:fs/promises';
import { loadProcessorsConfig, replayProjection } from '@carestream/processors';

const config = loadProcessorsConfig(process.env);
const results = [];
for (const projection of (process.env.BENCH_REPLAY ?? 'sla').split(',')) {
  if (projection !== 'sla') throw new Error(`cannot replay ${projection}`);
  // Progress arrives every 200 ms: the first one with events applied and the one that saw them all bound the
  // sustained rate (without the generation's creation, the group join and the swap).
  let first: { at: number; applied: number } | undefined;
  let last: { at: number; applied: number } | undefined;
  const result = await replayProjection(config, projection, {
    onProgress: ({ applied, total }) => {
      if (applied > 0 && !first) first = { at: Date.now(), applied };
      if (applied >= total && !last) last = { at: Date.now(), applied };
    },
  });
  const sustained =
    first && last && last.at > first.at
      ? ((last.applied - first.applied) * 1000) / (last.at - first.at)
      : null;
  process.stderr.write(`${JSON.stringify(result)}\n`);
  results.push({ ...result, sustainedEventsPerSecond: sustained });
}
const status = await readFile('/proc/self/status', 'utf8');
const peakKiB = Number(/^VmHWM:\s*(\d+) kB/m.exec(status)?.[1] ?? 0);
process.stdout.write(`${JSON.stringify({ results, peakRssMiB: Math.round(peakKiB / 1024) })}\n`);
process.exit(0);
