// Reads a V8 .cpuprofile (node --cpu-prof) and ranks functions by self time, and by the package they come
// from: what the processors spend their CPU on.
import { readFile } from 'node:fs/promises';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface HotFunction {
  readonly name: string;
  readonly where: string;
  readonly selfMs: number;
  readonly selfPercent: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  /** Share of the profile the process was idle (waiting on Postgres, Kafka or timers). */
  readonly idlePercent: number;
  readonly functions: readonly HotFunction[];
  readonly byArea: readonly { area: string; selfMs: number; selfPercent: number }[];
}

const ROOT = path.resolve(import.meta.dirname, '..');

function where(url: string, line: number): string {
  if (!url) return '';
  const file = url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url;
  const relative = file.startsWith(ROOT) ? path.relative(ROOT, file) : file;
  // Code run through tsx reports line 1 for everything: the file is what is known then.
  return `${relative.replace(/^node_modules\//, '')}${line > 0 ? `:${line + 1}` : ''}`;
}

/** Which package or layer a frame belongs to. */
function areaOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (functionName === '(idle)') return '(idle)';
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === '(program)') return '(program: V8/native)';
  if (!url)
    return functionName === 'parse' || functionName === 'stringify' ? 'JSON (native)' : 'native/builtins';
  const file = url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url;
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  if (inModules?.[1]) return inModules[1];
  const own = /\/(packages|services)\/([^/]+)\//.exec(file);
  if (own?.[2]) return `@carestream/${own[2]}`;
  if (file.startsWith('node:')) return 'node core';
  return 'other';
}

export async function summarizeProfile(file: string, top = 15): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i += 1) {
    const id = samples[i] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (deltas[i + 1] ?? deltas[i] ?? 0));
  }
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0) || 1;
  const functions = new Map<string, { name: string; where: string; us: number }>();
  const areas = new Map<string, number>();
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const area = areaOf(node);
    if (area === '(idle)') {
      idleUs += us;
      continue;
    }
    areas.set(area, (areas.get(area) ?? 0) + us);
    const name = node.callFrame.functionName || '(anonymous)';
    const at = where(node.callFrame.url, node.callFrame.lineNumber);
    const key = `${name}@${at}`;
    const known = functions.get(key) ?? { name, where: at, us: 0 };
    known.us += us;
    functions.set(key, known);
  }
  const busyUs = totalUs - idleUs || 1;
  return {
    totalMs: Math.round(totalUs / 1000),
    idlePercent: Math.round((idleUs / totalUs) * 1000) / 10,
    functions: [...functions.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({
        name: f.name,
        where: f.where,
        selfMs: Math.round(f.us / 1000),
        selfPercent: Math.round((f.us / busyUs) * 1000) / 10,
      })),
    byArea: [...areas]
      .sort(([, a], [, b]) => b - a)
      .slice(0, top)
      .map(([area, us]) => ({
        area,
        selfMs: Math.round(us / 1000),
        selfPercent: Math.round((us / busyUs) * 1000) / 10,
      })),
  };
}
