// Maps an X (Twitter) Account Activity API delivery to carestream events. Pure: the HTTP layer verifies the
// signature (webhook-signatures.ts) and parses the body; this only reads it.
//
// Conversations. A v1.1 tweet object carries the id of the tweet it replies to, not the root of its thread,
// so the thread cannot be rebuilt from one delivery. carestream therefore makes each customer tweet its own
// conversation (conversationId = the tweet's id_str) and puts a brand reply in the conversation of the tweet
// it replies to (conversationId = in_reply_to_status_id_str). A reply thus answers exactly the tweet it
// replies to; when a customer sends several tweets and the brand answers only one of them, the others stay
// open. (Keying a mention by `in_reply_to_status_id_str ?? id_str` instead would put a customer's reply to
// a brand post in the post's conversation while the brand's answer to that reply lands in the reply's:
// the most common care exchange would never match.)
// Direct messages: the conversation is the customer's user id, in both directions.
//
// Classification. X says nothing about intent, so every mention is kind `other` with needsResponse true:
// the account activity feed only carries tweets that mention or reply to the brand and DMs sent to it,
// i.e. messages addressed to the brand. A classifier may refine kind later; the ingest API accepts it.
// A tweet by the brand that replies to nobody, or to the brand itself (a thread), is a BrandPostPublished.
import type { BrandPostPublished, CareEvent, MentionReceived, ReplySent } from '@carestream/contract';
import {
  asArray,
  asObject,
  epochMsString,
  idField,
  numberField,
  objectField,
  stringField,
  type JsonObject,
} from './untrusted-json.ts';
import type { WebhookMapOptions, WebhookMapResult, WebhookSkip } from './webhook-mapping.ts';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const CREATED_AT =
  /^[A-Z][a-z]{2} ([A-Z][a-z]{2}) (\d{2}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2}) (\d{4})$/;

/** X's v1.1 `created_at`, e.g. "Wed Oct 10 20:19:24 +0000 2018", to epoch ms. */
export function parseXCreatedAt(text: string): number | undefined {
  const match = CREATED_AT.exec(text);
  if (match === null) return undefined;
  const [, mon, d, h, mi, s, sign, oh, om, y] = match;
  const month = MONTHS.indexOf(mon ?? '');
  if (month < 0) return undefined;
  const offsetMinutes = (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  const ms = Date.UTC(Number(y), month, Number(d), Number(h), Number(mi), Number(s)) - offsetMinutes * 60_000;
  return Number.isFinite(ms) ? ms : undefined;
}

function tweetTime(tweet: JsonObject): number | undefined {
  return (
    epochMsString(stringField(tweet, 'timestamp_ms')) ??
    parseXCreatedAt(stringField(tweet, 'created_at') ?? '')
  );
}

function tweetText(tweet: JsonObject): string | null {
  return (
    stringField(objectField(tweet, 'extended_tweet'), 'full_text') ??
    stringField(tweet, 'full_text') ??
    stringField(tweet, 'text') ??
    null
  );
}

interface Context {
  readonly brandId: string;
  readonly accountId: string;
  readonly automatedAppIds: readonly string[];
  readonly events: CareEvent[];
  readonly skipped: WebhookSkip[];
}

function mapTweet(ctx: Context, raw: unknown): void {
  const tweet = asObject(raw);
  const id = idField(tweet, 'id_str');
  const user = objectField(tweet, 'user');
  const authorId = idField(user, 'id_str');
  if (tweet === undefined || id === undefined || authorId === undefined) {
    ctx.skipped.push({ reason: 'tweet without id_str or user.id_str' });
    return;
  }
  if (tweet['retweeted_status'] !== undefined && tweet['retweeted_status'] !== null) {
    ctx.skipped.push({ reason: `tweet ${id} is a retweet, not a message to answer` });
    return;
  }
  const at = tweetTime(tweet);
  if (at === undefined) {
    ctx.skipped.push({ reason: `tweet ${id} has neither timestamp_ms nor a readable created_at` });
    return;
  }
  const eventId = `x:tweet:${id}`;
  const repliesTo = idField(tweet, 'in_reply_to_status_id_str');
  if (authorId === ctx.accountId) {
    if (repliesTo === undefined || idField(tweet, 'in_reply_to_user_id_str') === ctx.accountId) {
      const post: BrandPostPublished = {
        type: 'BrandPostPublished',
        eventId,
        brandId: ctx.brandId,
        channel: 'x',
        postId: id,
        publishedAt: at,
      };
      ctx.events.push(post);
      return;
    }
    const reply: ReplySent = {
      type: 'ReplySent',
      eventId,
      brandId: ctx.brandId,
      channel: 'x',
      conversationId: repliesTo,
      messageId: id,
      inReplyTo: repliesTo,
      // The account is the best id a tweet offers: X does not say which person behind it wrote the reply.
      agentId: ctx.accountId,
      sentAt: at,
      automated: false,
      private: false,
    };
    ctx.events.push(reply);
    return;
  }
  const followers = numberField(user, 'followers_count');
  const mention: MentionReceived = {
    type: 'MentionReceived',
    eventId,
    brandId: ctx.brandId,
    channel: 'x',
    conversationId: id,
    messageId: id,
    authorId,
    receivedAt: at,
    kind: 'other',
    needsResponse: true,
    sentiment: null,
    authorFollowers:
      followers !== undefined && Number.isSafeInteger(followers) && followers >= 0 ? followers : null,
    private: false,
    text: tweetText(tweet),
  };
  ctx.events.push(mention);
}

function mapDirectMessage(ctx: Context, raw: unknown, users: JsonObject | undefined): void {
  const dm = asObject(raw);
  const id = idField(dm, 'id');
  if (dm === undefined || id === undefined) {
    ctx.skipped.push({ reason: 'direct message event without an id' });
    return;
  }
  const type = stringField(dm, 'type');
  if (type !== 'message_create') {
    ctx.skipped.push({
      reason: `direct message event ${id} has type ${type ?? '(none)'}, only message_create is mapped`,
    });
    return;
  }
  const create = objectField(dm, 'message_create');
  const senderId = idField(create, 'sender_id');
  const recipientId = idField(objectField(create, 'target'), 'recipient_id');
  const at = epochMsString(stringField(dm, 'created_timestamp'));
  if (senderId === undefined || recipientId === undefined || at === undefined) {
    ctx.skipped.push({
      reason: `direct message ${id} lacks sender_id, target.recipient_id or created_timestamp`,
    });
    return;
  }
  const eventId = `x:dm:${id}`;
  if (senderId === ctx.accountId) {
    const appId = idField(create, 'source_app_id');
    const reply: ReplySent = {
      type: 'ReplySent',
      eventId,
      brandId: ctx.brandId,
      channel: 'x',
      conversationId: recipientId,
      messageId: id,
      inReplyTo: null,
      agentId: ctx.accountId,
      sentAt: at,
      automated: appId !== undefined && ctx.automatedAppIds.includes(appId),
      private: true,
    };
    ctx.events.push(reply);
    return;
  }
  if (recipientId !== ctx.accountId) {
    ctx.skipped.push({ reason: `direct message ${id} is neither from nor to account ${ctx.accountId}` });
    return;
  }
  const followers = numberField(objectField(users, senderId), 'followers_count');
  const mention: MentionReceived = {
    type: 'MentionReceived',
    eventId,
    brandId: ctx.brandId,
    channel: 'x',
    conversationId: senderId,
    messageId: id,
    authorId: senderId,
    receivedAt: at,
    kind: 'other',
    needsResponse: true,
    sentiment: null,
    authorFollowers:
      followers !== undefined && Number.isSafeInteger(followers) && followers >= 0 ? followers : null,
    private: true,
    text: stringField(objectField(create, 'message_data'), 'text') ?? null,
  };
  ctx.events.push(mention);
}

// Deleted tweets are not care traffic but erasures: x-deletions.ts maps them.
const MAPPED_KEYS = new Set(['tweet_create_events', 'direct_message_events', 'tweet_delete_events']);

/** Maps one Account Activity API delivery (already signature-checked and JSON-parsed). */
export function mapXWebhook(payload: unknown, options: WebhookMapOptions): WebhookMapResult {
  const events: CareEvent[] = [];
  const skipped: WebhookSkip[] = [];
  const body = asObject(payload);
  const accountId = idField(body, 'for_user_id');
  if (body === undefined || accountId === undefined) {
    return { events, skipped: [{ reason: 'payload is not an Account Activity delivery: no for_user_id' }] };
  }
  const tweets = asArray(body['tweet_create_events']);
  const dms = asArray(body['direct_message_events']);
  // Other activity (favorites, follows, blocks, typing, reads, deletes) is not care traffic.
  for (const [key, value] of Object.entries(body)) {
    if (key.endsWith('_events') && !MAPPED_KEYS.has(key)) {
      const count = asArray(value).length;
      skipped.push({
        reason: `${key}: ${count} event${count === 1 ? '' : 's'} not mapped (not care traffic)`,
      });
    }
  }
  const brandId = options.brandForAccount(accountId);
  if (brandId === undefined) {
    for (const _ of [...tweets, ...dms]) {
      skipped.push({ reason: `X account ${accountId} is not mapped to a brand` });
    }
    return { events, skipped };
  }
  const ctx: Context = {
    brandId,
    accountId,
    automatedAppIds: options.automatedAppIds ?? [],
    events,
    skipped,
  };
  for (const tweet of tweets) mapTweet(ctx, tweet);
  const users = objectField(body, 'users');
  for (const dm of dms) mapDirectMessage(ctx, dm, users);
  return { events, skipped };
}
