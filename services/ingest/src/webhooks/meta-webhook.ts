// Maps a Meta (Facebook Page, Instagram) webhook delivery to carestream events. Pure: the HTTP layer verifies
// X-Hub-Signature-256 (webhook-signatures.ts) and parses the body; this only reads it.
//
// What is mapped:
// - `object: page`, `entry[].changes[]` with field `feed`: item `comment` (a comment or a reply to one) and
//   posts (`status`, `post`, `photo`, `video`, `share`) with verb `add`. The page's own posts are
//   BrandPostPublished; a visitor's post on the page is a mention.
// - `object: instagram`, changes with field `comments` (comments on the account's media) and `mentions`
//   (the account @mentioned in someone else's caption or comment), and field `messages` where a delivery
//   carries a DM as a change.
// - `entry[].messaging[]` for Messenger and Instagram direct messages; echoes of the account's own messages
//   (`is_echo`, or sent by the account) are replies.
// Anything else (reactions, edits, read and delivery receipts, postbacks) is skipped with a reason; a removed
// comment or post and an unsent direct message are erasures (meta-deletions.ts), counted in the answer's `erased`.
//
// Conversations: comment threads are two levels deep on both platforms, so a top-level comment starts a
// conversation (its own id) and a reply in its thread (parent_id = that comment) joins it; the page's reply
// to a comment lands in the same conversation. Direct messages: the customer's scoped user id.
//
// Classification: Meta says nothing about intent, so every mention is kind `other` with needsResponse true:
// comments on the brand's content, posts on its page, @mentions and DMs are all addressed to the brand.
//
// Instagram `mentions` deliveries carry only media_id and comment_id: no author, text or time. The author is
// then a placeholder unique to the mention (`unnamedAuthor`: `instagram-mention:<id>`, erased with the message),
// text is null and the time is the entry's; enriching them needs a Graph API call, which is I/O and belongs to the ingest service.
import {
  parseIsoTimestamp,
  type BrandPostPublished,
  type CareEvent,
  type Channel,
  type MentionReceived,
  type ReplySent,
} from '@carestream/contract';
import { unnamedAuthor } from '@carestream/erasure';
import { asArray, asObject, idField, objectField, stringField, type JsonObject } from './untrusted-json.ts';
import type { WebhookMapOptions, WebhookMapResult, WebhookSkip } from './webhook-mapping.ts';

const POST_ITEMS = new Set(['status', 'post', 'photo', 'video', 'share']);

/** The feed items whose removal is an erasure (meta-deletions.ts): a comment or a post; not a reaction taken back. */
export function isErasableFeedItem(item: string | undefined): boolean {
  return item === 'comment' || (item !== undefined && POST_ITEMS.has(item));
}

/** Meta sends Unix seconds (feed, entry.time of changes), milliseconds (messaging) or ISO strings. */
export function metaTime(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
    // Seconds until the year 5138; anything larger is milliseconds.
    return value < 1e11 ? Math.round(value * 1000) : Math.round(value);
  }
  if (typeof value === 'string') {
    if (/^\d+$/.test(value)) return metaTime(Number(value));
    const parsed = parseIsoTimestamp(value);
    return parsed.ok ? parsed.ms : undefined;
  }
  return undefined;
}

interface Context {
  readonly channel: Channel;
  readonly brandId: string;
  /** The page id or Instagram account id the entry is for. */
  readonly accountId: string;
  readonly entryTime: number | undefined;
  readonly automatedAppIds: readonly string[];
  readonly events: CareEvent[];
  readonly skipped: WebhookSkip[];
}

function mention(
  ctx: Context,
  fields: Pick<
    MentionReceived,
    'eventId' | 'conversationId' | 'messageId' | 'authorId' | 'receivedAt' | 'private' | 'text'
  >,
): void {
  ctx.events.push({
    type: 'MentionReceived',
    eventId: fields.eventId,
    brandId: ctx.brandId,
    channel: ctx.channel,
    conversationId: fields.conversationId,
    messageId: fields.messageId,
    authorId: fields.authorId,
    receivedAt: fields.receivedAt,
    kind: 'other',
    needsResponse: true,
    sentiment: null,
    authorFollowers: null,
    private: fields.private,
    text: fields.text,
  });
}

function reply(
  ctx: Context,
  fields: Pick<
    ReplySent,
    'eventId' | 'conversationId' | 'messageId' | 'inReplyTo' | 'sentAt' | 'automated' | 'private'
  >,
): void {
  const event: ReplySent = {
    type: 'ReplySent',
    eventId: fields.eventId,
    brandId: ctx.brandId,
    channel: ctx.channel,
    conversationId: fields.conversationId,
    messageId: fields.messageId,
    inReplyTo: fields.inReplyTo,
    // The page or account: webhooks do not say which person behind it wrote the reply.
    agentId: ctx.accountId,
    sentAt: fields.sentAt,
    automated: fields.automated,
    private: fields.private,
  };
  ctx.events.push(event);
}

/** A comment on either platform: `commentId` with `parentId` (absent or the post itself for a top-level one). */
function mapComment(
  ctx: Context,
  commentId: string,
  parentId: string | undefined,
  authorId: string,
  at: number,
  text: string | null,
): void {
  const eventId = `meta:comment:${commentId}`;
  if (authorId === ctx.accountId) {
    if (parentId === undefined) {
      ctx.skipped.push({
        reason: `comment ${commentId} is the account's own top-level comment: it answers nobody`,
      });
      return;
    }
    reply(ctx, {
      eventId,
      conversationId: parentId,
      messageId: commentId,
      inReplyTo: parentId,
      sentAt: at,
      automated: false,
      private: false,
    });
    return;
  }
  mention(ctx, {
    eventId,
    conversationId: parentId ?? commentId,
    messageId: commentId,
    authorId,
    receivedAt: at,
    private: false,
    text,
  });
}

function mapFeedChange(ctx: Context, value: JsonObject): void {
  const item = stringField(value, 'item') ?? '(none)';
  const verb = stringField(value, 'verb') ?? '(none)';
  const postId = idField(value, 'post_id');
  const ref = idField(value, 'comment_id') ?? postId ?? '(no id)';
  // A removed comment or post is an erasure (meta-deletions.ts), not an event: the answer counts it in `erased`.
  if (verb === 'remove' && isErasableFeedItem(item)) return;
  if (verb !== 'add') {
    ctx.skipped.push({ reason: `feed ${item} ${ref} with verb ${verb}: only new items (add) are mapped` });
    return;
  }
  const authorId = idField(objectField(value, 'from'), 'id');
  const at = metaTime(value['created_time']) ?? ctx.entryTime;
  if (authorId === undefined || at === undefined) {
    ctx.skipped.push({ reason: `feed ${item} ${ref} lacks from.id or a time` });
    return;
  }
  const text = stringField(value, 'message') ?? null;
  if (item === 'comment') {
    const commentId = idField(value, 'comment_id');
    if (commentId === undefined) {
      ctx.skipped.push({ reason: 'feed comment without comment_id' });
      return;
    }
    const parentId = idField(value, 'parent_id');
    // A top-level comment's parent is the post; a reply's parent is the top-level comment.
    mapComment(
      ctx,
      commentId,
      parentId === undefined || parentId === postId ? undefined : parentId,
      authorId,
      at,
      text,
    );
    return;
  }
  if (POST_ITEMS.has(item) && postId !== undefined) {
    if (authorId === ctx.accountId) {
      const post: BrandPostPublished = {
        type: 'BrandPostPublished',
        eventId: `meta:post:${postId}`,
        brandId: ctx.brandId,
        channel: ctx.channel,
        postId,
        publishedAt: at,
      };
      ctx.events.push(post);
    } else {
      // A visitor's post on the brand's page.
      mention(ctx, {
        eventId: `meta:post:${postId}`,
        conversationId: postId,
        messageId: postId,
        authorId,
        receivedAt: at,
        private: false,
        text,
      });
    }
    return;
  }
  ctx.skipped.push({ reason: `feed item ${item} ${ref} is not mapped (not a comment or post)` });
}

function mapInstagramComment(ctx: Context, value: JsonObject): void {
  const commentId = idField(value, 'id');
  const authorId = idField(objectField(value, 'from'), 'id');
  const at = metaTime(value['timestamp']) ?? ctx.entryTime;
  if (commentId === undefined || authorId === undefined || at === undefined) {
    ctx.skipped.push({ reason: `instagram comment ${commentId ?? '(no id)'} lacks id, from.id or a time` });
    return;
  }
  mapComment(ctx, commentId, idField(value, 'parent_id'), authorId, at, stringField(value, 'text') ?? null);
}

function mapInstagramMention(ctx: Context, value: JsonObject): void {
  const commentId = idField(value, 'comment_id');
  const mediaId = idField(value, 'media_id');
  const id = commentId ?? mediaId;
  if (id === undefined || ctx.entryTime === undefined) {
    ctx.skipped.push({ reason: 'instagram mention without comment_id or media_id, or without entry time' });
    return;
  }
  mention(ctx, {
    eventId: commentId !== undefined ? `meta:comment:${commentId}` : `meta:media:${id}`,
    conversationId: id,
    messageId: id,
    authorId: unnamedAuthor('instagram', id),
    receivedAt: ctx.entryTime,
    private: false,
    text: null,
  });
}

function mapMessaging(ctx: Context, raw: unknown): void {
  const event = asObject(raw);
  const message = objectField(event, 'message');
  const senderId = idField(objectField(event, 'sender'), 'id');
  const recipientId = idField(objectField(event, 'recipient'), 'id');
  if (message === undefined) {
    const kinds = Object.keys(event ?? {}).filter(
      (key) => !['sender', 'recipient', 'timestamp'].includes(key),
    );
    ctx.skipped.push({
      reason: `messaging event without a message (${kinds.join(', ') || 'empty'}) is not mapped`,
    });
    return;
  }
  // An unsent message is an erasure (meta-deletions.ts), not an event.
  if (message['is_deleted'] === true) return;
  const mid = idField(message, 'mid');
  const at = metaTime(event?.['timestamp']) ?? ctx.entryTime;
  if (mid === undefined || senderId === undefined || recipientId === undefined || at === undefined) {
    ctx.skipped.push({
      reason: `message ${mid ?? '(no mid)'} lacks mid, sender.id, recipient.id or timestamp`,
    });
    return;
  }
  const eventId = `meta:mid:${mid}`;
  if (message['is_echo'] === true || senderId === ctx.accountId) {
    const appId = idField(message, 'app_id');
    reply(ctx, {
      eventId,
      conversationId: recipientId,
      messageId: mid,
      inReplyTo: idField(objectField(message, 'reply_to'), 'mid') ?? null,
      sentAt: at,
      automated: appId !== undefined && ctx.automatedAppIds.includes(appId),
      private: true,
    });
    return;
  }
  mention(ctx, {
    eventId,
    conversationId: senderId,
    messageId: mid,
    authorId: senderId,
    receivedAt: at,
    private: true,
    text: stringField(message, 'text') ?? null,
  });
}

function mapChange(ctx: Context, raw: unknown): void {
  const change = asObject(raw);
  const field = stringField(change, 'field') ?? '(none)';
  const value = objectField(change, 'value');
  if (value === undefined) {
    ctx.skipped.push({ reason: `change ${field} without a value` });
    return;
  }
  if (ctx.channel === 'facebook' && field === 'feed') return mapFeedChange(ctx, value);
  if (ctx.channel === 'instagram' && field === 'comments') return mapInstagramComment(ctx, value);
  if (ctx.channel === 'instagram' && field === 'mentions') return mapInstagramMention(ctx, value);
  if (field === 'messages') return mapMessaging(ctx, value);
  ctx.skipped.push({ reason: `change field ${field} is not mapped` });
}

const CHANNEL_OF_OBJECT: Readonly<Record<string, Channel>> = { page: 'facebook', instagram: 'instagram' };

/** Maps one Meta webhook delivery (already signature-checked and JSON-parsed). */
export function mapMetaWebhook(payload: unknown, options: WebhookMapOptions): WebhookMapResult {
  const events: CareEvent[] = [];
  const skipped: WebhookSkip[] = [];
  const body = asObject(payload);
  const object = stringField(body, 'object');
  const channel =
    object !== undefined && Object.hasOwn(CHANNEL_OF_OBJECT, object) ? CHANNEL_OF_OBJECT[object] : undefined;
  if (channel === undefined) {
    return {
      events,
      skipped: [{ reason: `object ${object ?? '(none)'} is not mapped; expected page or instagram` }],
    };
  }
  for (const rawEntry of asArray(body?.['entry'])) {
    const entry = asObject(rawEntry);
    const accountId = idField(entry, 'id');
    const changes = asArray(entry?.['changes']);
    const messaging = asArray(entry?.['messaging']);
    if (accountId === undefined) {
      skipped.push({ reason: 'entry without an id' });
      continue;
    }
    const brandId = options.brandForAccount(accountId);
    if (brandId === undefined) {
      for (const _ of [...changes, ...messaging]) {
        skipped.push({ reason: `${object} account ${accountId} is not mapped to a brand` });
      }
      continue;
    }
    const ctx: Context = {
      channel,
      brandId,
      accountId,
      entryTime: metaTime(entry?.['time']),
      automatedAppIds: options.automatedAppIds ?? [],
      events,
      skipped,
    };
    for (const change of changes) mapChange(ctx, change);
    for (const event of messaging) mapMessaging(ctx, event);
  }
  return { events, skipped };
}
