// Where the CPU went during a section, per process group (Linux /proc): on a 2-core machine with the broker,
// the registry and Postgres beside the services, this is what says which one holds the others back.
import { readdir, readFile } from 'node:fs/promises';

const TICKS_PER_SECOND = 100;

export type CpuSnapshot = {
  readonly at: number;
  readonly ticks: Map<number, { group: string; ticks: number }>;
};

async function groupOf(pid: number, named: ReadonlyMap<number, string>): Promise<string> {
  const name = named.get(pid);
  if (name) return name;
  if (pid === process.pid) return 'bench';
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (cmdline.startsWith('postgres')) return 'postgres';
  if (cmdline.includes('kafka.Kafka')) return 'kafka';
  if (cmdline.includes('apicurio')) return 'registry';
  if (cmdline.includes('org.apache.kafka.tools')) return 'kafka-tool';
  return 'other';
}

export async function cpuSnapshot(named: ReadonlyMap<number, string> = new Map()): Promise<CpuSnapshot> {
  const ticks = new Map<number, { group: string; ticks: number }>();
  for (const entry of await readdir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
    if (!stat) continue;
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const used = Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
    ticks.set(pid, { group: await groupOf(pid, named), ticks: used });
  }
  return { at: Date.now(), ticks };
}

/** Cores used per group between two snapshots (1.0 = one core busy the whole time). */
export function coresUsed(before: CpuSnapshot, after: CpuSnapshot): Record<string, number> {
  const seconds = (after.at - before.at) / 1000;
  const byGroup: Record<string, number> = {};
  for (const [pid, { group, ticks }] of after.ticks) {
    const delta = ticks - (before.ticks.get(pid)?.ticks ?? 0);
    if (delta <= 0) continue;
    byGroup[group] = (byGroup[group] ?? 0) + delta;
  }
  for (const group of Object.keys(byGroup))
    byGroup[group] = Math.round(((byGroup[group] ?? 0) / TICKS_PER_SECOND / seconds) * 100) / 100;
  return Object.fromEntries(Object.entries(byGroup).sort(([, a], [, b]) => b - a));
}
