import { exactQuantile, type GroundTruth, type TruthFigures } from './ground-truth.ts';

/** Response time statistics in seconds, exact (percentiles at rank q × (n − 1) of the sorted values). */
export interface ResponseTimeReport {
  readonly count: number;
  readonly mean: number | null;
  readonly min: number | null;
  readonly max: number | null;
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
}

export interface TruthRow {
  readonly needingResponse: number;
  readonly answered: number;
  readonly expired: number;
  readonly open: number;
  readonly complaints: number;
  /** answered / needingResponse; null when nothing needed a response. */
  readonly responseRate: number | null;
  readonly responseSeconds: ResponseTimeReport;
  readonly within: TruthFigures['within'];
  readonly humanReplies: number;
  readonly automatedReplies: number;
  readonly brandPosts: number;
}

export interface TruthReport {
  readonly byBrandChannel: readonly (TruthRow & { readonly brandId: string; readonly channel: string })[];
  readonly byBrand: readonly (TruthRow & { readonly brandId: string })[];
  readonly byAgent: readonly {
    readonly brandId: string;
    readonly agentId: string;
    readonly answered: number;
    readonly humanReplies: number;
  }[];
  readonly total: TruthRow;
}

export function responseTimeReport(sorted: readonly number[]): ResponseTimeReport {
  const count = sorted.length;
  return {
    count,
    mean: count === 0 ? null : sorted.reduce((sum, value) => sum + value, 0) / count,
    min: sorted[0] ?? null,
    max: sorted[count - 1] ?? null,
    p50: exactQuantile(sorted, 0.5),
    p90: exactQuantile(sorted, 0.9),
    p99: exactQuantile(sorted, 0.99),
  };
}

function merge(figures: readonly TruthFigures[]): TruthFigures {
  const sum = (pick: (f: TruthFigures) => number) => figures.reduce((n, f) => n + pick(f), 0);
  return {
    needingResponse: sum((f) => f.needingResponse),
    answered: sum((f) => f.answered),
    expired: sum((f) => f.expired),
    open: sum((f) => f.open),
    complaints: sum((f) => f.complaints),
    responseSeconds: figures.flatMap((f) => f.responseSeconds).sort((a, b) => a - b),
    within: {
      '30m': sum((f) => f.within['30m']),
      '1h': sum((f) => f.within['1h']),
      '4h': sum((f) => f.within['4h']),
      '24h': sum((f) => f.within['24h']),
    },
    humanReplies: sum((f) => f.humanReplies),
    automatedReplies: sum((f) => f.automatedReplies),
    brandPosts: sum((f) => f.brandPosts),
  };
}

export function truthRow(figures: TruthFigures): TruthRow {
  return {
    needingResponse: figures.needingResponse,
    answered: figures.answered,
    expired: figures.expired,
    open: figures.open,
    complaints: figures.complaints,
    responseRate: figures.needingResponse === 0 ? null : figures.answered / figures.needingResponse,
    responseSeconds: responseTimeReport(figures.responseSeconds),
    within: { ...figures.within },
    humanReplies: figures.humanReplies,
    automatedReplies: figures.automatedReplies,
    brandPosts: figures.brandPosts,
  };
}

const splitKey = (key: string): [string, string] => {
  const at = key.lastIndexOf('|');
  return [key.slice(0, at), key.slice(at + 1)];
};

/** The ground truth as plain JSON-ready rows: per brand × channel, per brand, per agent and in total. */
export function truthReport(truth: GroundTruth): TruthReport {
  const entries = [...truth.byBrandChannel.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const byBrandFigures = new Map<string, TruthFigures[]>();
  for (const [key, figures] of entries) {
    const [brandId] = splitKey(key);
    byBrandFigures.set(brandId, [...(byBrandFigures.get(brandId) ?? []), figures]);
  }
  return {
    byBrandChannel: entries.map(([key, figures]) => {
      const [brandId, channel] = splitKey(key);
      return { brandId, channel, ...truthRow(figures) };
    }),
    byBrand: [...byBrandFigures.entries()].map(([brandId, figures]) => ({
      brandId,
      ...truthRow(merge(figures)),
    })),
    byAgent: [...truth.byAgent.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, figures]) => {
        const [brandId, agentId] = splitKey(key);
        return { brandId, agentId, ...figures };
      }),
    total: truthRow(merge([...truth.byBrandChannel.values()])),
  };
}
