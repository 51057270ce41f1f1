import {
  eventIdentity,
  type BrandPostPublished,
  type Channel,
  type MentionReceived,
  type ReplySent,
} from '@carestream/contract';

/** The exact figures for one brand × channel, computed directly from what was sent (not by the fold). */
export interface TruthFigures {
  needingResponse: number;
  answered: number;
  expired: number;
  open: number;
  complaints: number;
  /** Response times in seconds of every answered mention, sorted ascending. */
  responseSeconds: number[];
  within: { '30m': number; '1h': number; '4h': number; '24h': number };
  humanReplies: number;
  automatedReplies: number;
  brandPosts: number;
}

export interface AgentTruth {
  answered: number;
  humanReplies: number;
}

export interface GroundTruth {
  /** `${brandId}|${channel}` → figures. */
  readonly byBrandChannel: Map<string, TruthFigures>;
  /** `${brandId}|${agentId}` → figures. */
  readonly byAgent: Map<string, AgentTruth>;
  /** Every mention's expected status: answered (with its reply's eventId), expired or open. */
  readonly mentionStatus: Map<
    string,
    { status: 'answered' | 'expired' | 'open'; replyEventId?: string; authorId: string; brandId: string }
  >;
}

export function emptyTruth(): TruthFigures {
  return {
    needingResponse: 0,
    answered: 0,
    expired: 0,
    open: 0,
    complaints: 0,
    responseSeconds: [],
    within: { '30m': 0, '1h': 0, '4h': 0, '24h': 0 },
    humanReplies: 0,
    automatedReplies: 0,
    brandPosts: 0,
  };
}

const WITHIN_SECONDS = { '30m': 1800, '1h': 3600, '4h': 14_400, '24h': 86_400 } as const;

/**
 * The expected figures by brute force over each conversation, deliberately not reusing the processors'
 * incremental fold: a mention needing a response is answered by the earliest human reply in its
 * conversation sent at or after it and before receivedAt + horizon; unanswered ones are expired when
 * receivedAt + horizon <= the final watermark, else open. Duplicate events (same eventId) count once.
 */
export function computeGroundTruth(
  events: readonly (MentionReceived | ReplySent | BrandPostPublished)[],
  options: {
    horizonMs: number;
    watermarkMs: number;
    ownAccountIds: ReadonlyMap<string, ReadonlySet<string>>;
  },
): GroundTruth {
  const unique = new Map<string, MentionReceived | ReplySent | BrandPostPublished>();
  for (const event of events) if (!unique.has(eventIdentity(event))) unique.set(eventIdentity(event), event);

  const byBrandChannel = new Map<string, TruthFigures>();
  const byAgent = new Map<string, AgentTruth>();
  const mentionStatus: GroundTruth['mentionStatus'] = new Map();
  const figures = (brandId: string, channel: Channel) => {
    const key = `${brandId}|${channel}`;
    const known = byBrandChannel.get(key) ?? emptyTruth();
    byBrandChannel.set(key, known);
    return known;
  };
  const agent = (brandId: string, agentId: string) => {
    const key = `${brandId}|${agentId}`;
    const known = byAgent.get(key) ?? { answered: 0, humanReplies: 0 };
    byAgent.set(key, known);
    return known;
  };

  const conversations = new Map<string, { mentions: MentionReceived[]; replies: ReplySent[] }>();
  for (const event of unique.values()) {
    if (event.type === 'BrandPostPublished') {
      figures(event.brandId, event.channel).brandPosts += 1;
      continue;
    }
    const key = `${event.brandId}:${event.conversationId}`;
    const conversation = conversations.get(key) ?? { mentions: [], replies: [] };
    conversations.set(key, conversation);
    if (event.type === 'MentionReceived') conversation.mentions.push(event);
    else {
      conversation.replies.push(event);
      const target = figures(event.brandId, event.channel);
      if (event.automated) target.automatedReplies += 1;
      else {
        target.humanReplies += 1;
        agent(event.brandId, event.agentId).humanReplies += 1;
      }
    }
  }

  for (const { mentions, replies } of conversations.values()) {
    // Ties on sentAt go to the smaller eventId, the domain's documented tie-break.
    const human = replies
      .filter((reply) => !reply.automated)
      .sort((a, b) => a.sentAt - b.sentAt || (a.eventId < b.eventId ? -1 : 1));
    for (const mention of mentions) {
      const own = options.ownAccountIds.get(mention.brandId);
      if (!mention.needsResponse || mention.authorId === mention.brandId || own?.has(mention.authorId))
        continue;
      const target = figures(mention.brandId, mention.channel);
      target.needingResponse += 1;
      if (mention.kind === 'complaint') target.complaints += 1;
      const answer = human.find(
        (reply) =>
          reply.sentAt >= mention.receivedAt && reply.sentAt < mention.receivedAt + options.horizonMs,
      );
      if (answer) {
        const seconds = (answer.sentAt - mention.receivedAt) / 1000;
        target.answered += 1;
        target.responseSeconds.push(seconds);
        for (const [name, limit] of Object.entries(WITHIN_SECONDS) as [
          keyof typeof WITHIN_SECONDS,
          number,
        ][]) {
          if (seconds <= limit) target.within[name] += 1;
        }
        agent(mention.brandId, answer.agentId).answered += 1;
        mentionStatus.set(mention.eventId, {
          status: 'answered',
          replyEventId: answer.eventId,
          authorId: mention.authorId,
          brandId: mention.brandId,
        });
      } else if (mention.receivedAt + options.horizonMs <= options.watermarkMs) {
        target.expired += 1;
        mentionStatus.set(mention.eventId, {
          status: 'expired',
          authorId: mention.authorId,
          brandId: mention.brandId,
        });
      } else {
        target.open += 1;
        mentionStatus.set(mention.eventId, {
          status: 'open',
          authorId: mention.authorId,
          brandId: mention.brandId,
        });
      }
    }
  }
  for (const figure of byBrandChannel.values()) figure.responseSeconds.sort((a, b) => a - b);
  return { byBrandChannel, byAgent, mentionStatus };
}

/** The exact q-quantile the sketch approximates: the value at rank q × (n − 1) of the sorted values. */
export function exactQuantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.floor(q * (sorted.length - 1))] ?? null;
}
