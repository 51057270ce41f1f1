import type { BrandProfileSet, MentionReceived, ReplySent } from '@carestream/contract';
import { eventIdProblem } from '@carestream/contract';
import { describe, expect, it } from 'vitest';
import {
  erasedParts,
  identitiesNeeded,
  identityKey,
  pseudonymizeEvents,
  type ResolvedIdentities,
} from './pseudonymize.ts';
import { isReference, newReference } from './references.ts';
import { newTextKey, openText } from './sealed-text.ts';

const mention = (overrides: Partial<MentionReceived> = {}): MentionReceived => ({
  type: 'MentionReceived',
  eventId: 'm-1',
  brandId: 'acme',
  channel: 'x',
  conversationId: 'c-1',
  messageId: 'tweet-1',
  authorId: 'alice',
  receivedAt: 1_795_000_000_000,
  kind: 'complaint',
  needsResponse: true,
  sentiment: -0.5,
  authorFollowers: 1200,
  private: false,
  text: 'my parcel never came',
  ...overrides,
});
const reply = (overrides: Partial<ReplySent> = {}): ReplySent => ({
  type: 'ReplySent',
  eventId: 'r-1',
  brandId: 'acme',
  channel: 'x',
  conversationId: 'c-1',
  messageId: 'tweet-2',
  inReplyTo: 'tweet-1',
  agentId: 'agent-7',
  sentAt: 1_795_000_060_000,
  automated: false,
  private: false,
  ...overrides,
});
const profile: BrandProfileSet = {
  type: 'BrandProfileSet',
  eventId: 'p-1',
  brandId: 'acme',
  name: 'Acme',
  industry: 'retail',
  timezone: 'Europe/Paris',
  businessHours: null,
  slaTargetSeconds: 3600,
  customerValue: null,
  ownAccountIds: ['acme_support', 'acme'],
  setAt: 1_795_000_000_000,
};

/** What the vault would return: a reference per need, a key per message. */
function resolve(needed: ReturnType<typeof identitiesNeeded>): ResolvedIdentities {
  return {
    authors: new Map(
      needed.authors.map((n) => [identityKey(n.brandId, n.clearValue), newReference('author')]),
    ),
    messages: new Map(
      needed.messages.map((n) => [
        identityKey(n.brandId, n.clearValue),
        { ref: newReference('message'), textKey: newTextKey() },
      ]),
    ),
  };
}

describe('identitiesNeeded', () => {
  it('asks once per brand and value for authors, mentions’ messages, replies’ inReplyTo and own accounts', () => {
    const needed = identitiesNeeded([
      mention(),
      mention({ eventId: 'm-2', messageId: 'tweet-3' }),
      mention({ eventId: 'm-3', brandId: 'other', messageId: 'tweet-1' }),
      reply(),
      profile,
    ]);
    expect(needed.authors).toEqual([
      { brandId: 'acme', clearValue: 'acme_support' },
      { brandId: 'acme', clearValue: 'alice' },
      { brandId: 'other', clearValue: 'alice' },
    ]);
    // The reply named tweet-1 too: the mention's author wins.
    expect(needed.messages).toEqual([
      { brandId: 'acme', clearValue: 'tweet-1', authorId: 'alice' },
      { brandId: 'acme', clearValue: 'tweet-3', authorId: 'alice' },
      { brandId: 'other', clearValue: 'tweet-1', authorId: 'alice' },
    ]);
  });

  it('leaves the brand itself as an author alone, and asks nothing for posts and replies without inReplyTo', () => {
    const needed = identitiesNeeded([mention({ authorId: 'acme' }), reply({ inReplyTo: null })]);
    expect(needed.authors).toEqual([]);
    expect(needed.messages).toEqual([{ brandId: 'acme', clearValue: 'tweet-1', authorId: null }]);
  });
});

describe('pseudonymizeEvents', () => {
  it('replaces author and message ids by references and seals the text; counting fields are untouched', () => {
    const events = [mention(), reply(), profile];
    const resolved = resolve(identitiesNeeded(events));
    const [m, r, p] = pseudonymizeEvents(events, resolved) as [MentionReceived, ReplySent, BrandProfileSet];
    const aliceRef = resolved.authors.get(identityKey('acme', 'alice'));
    const message = resolved.messages.get(identityKey('acme', 'tweet-1'));
    expect(m.authorId).toBe(aliceRef);
    expect(m.messageId).toBe(message?.ref);
    expect(isReference(m.authorId) && isReference(m.messageId)).toBe(true);
    expect(m.text).not.toContain('parcel');
    expect(openText(m.text ?? '', message?.textKey ?? Buffer.alloc(32), m.messageId)).toBe(
      'my parcel never came',
    );
    expect({ ...m, authorId: 'alice', messageId: 'tweet-1', text: 'my parcel never came' }).toEqual(
      mention(),
    );
    expect(r.inReplyTo).toBe(message?.ref);
    expect(r.messageId).toBe('tweet-2'); // the brand's own message
    // Own accounts become the same references as mentions by them, so the fold still recognises them.
    expect(p.ownAccountIds).toEqual([resolved.authors.get(identityKey('acme', 'acme_support')), 'acme']);
    for (const event of [m, r, p]) expect(eventIdProblem(event)).toBeUndefined();
  });

  it('refuses to publish a value it has no reference for', () => {
    expect(() => pseudonymizeEvents([mention()], { authors: new Map(), messages: new Map() })).toThrow(
      /no reference/,
    );
  });
});

describe('erasedParts', () => {
  const erasedAt = 1_795_000_030_000;
  const erased = {
    authors: new Map([[identityKey('acme', 'alice'), erasedAt]]),
    messages: new Set([identityKey('acme', 'tweet-9')]),
  };

  it('given an author erased after a mention was written, then its author and message are erased parts', () => {
    const events = [
      mention(), // written before the erasure
      mention({ eventId: 'm-2', messageId: 'tweet-5', receivedAt: erasedAt + 1 }), // after: new data
      mention({ eventId: 'm-3', messageId: 'tweet-9', authorId: 'bob' }), // its message erased
      mention({ eventId: 'm-4', brandId: 'other', messageId: 'tweet-9' }), // another brand's
      reply(), // answers the erased author's message of this batch
      reply({ eventId: 'r-2', inReplyTo: 'tweet-5' }),
    ];
    const parts = erasedParts(events, erased);
    expect([...parts]).toEqual([
      [0, { author: true, message: true }],
      [2, { author: false, message: true }],
      [4, { author: false, message: true }],
    ]);
    // What is erased is not asked for: the later mention's author and message are, and bob, whose message alone
    // was erased.
    const needed = identitiesNeeded(events, parts);
    expect(needed.authors).toEqual([
      { brandId: 'acme', clearValue: 'alice' },
      { brandId: 'acme', clearValue: 'bob' },
      { brandId: 'other', clearValue: 'alice' },
    ]);
    expect(needed.messages.map((need) => need.clearValue)).toEqual(['tweet-5', 'tweet-9']);
    expect(needed.messages[1]?.brandId).toBe('other');
  });

  it('when erased parts are published, then they carry references stored nowhere and no text', () => {
    const events = [mention(), mention({ eventId: 'm-2', messageId: 'tweet-3' }), reply()];
    const parts = erasedParts(events, erased);
    const resolved = resolve(identitiesNeeded(events, parts));
    expect(resolved.authors.size + resolved.messages.size).toBe(0);
    const [m1, m2, r] = pseudonymizeEvents(events, resolved, parts) as [
      MentionReceived,
      MentionReceived,
      ReplySent,
    ];
    expect(isReference(m1.authorId) && isReference(m1.messageId) && isReference(r.inReplyTo ?? '')).toBe(
      true,
    );
    // One author within the events, and the reply still names its mention's message.
    expect(m2.authorId).toBe(m1.authorId);
    expect(m2.messageId).not.toBe(m1.messageId);
    expect(r.inReplyTo).toBe(m1.messageId);
    expect(m1.text).toBeNull();
    // Everything the figures read is as sent.
    expect({ ...m1, authorId: 'alice', messageId: 'tweet-1', text: 'my parcel never came' }).toEqual(
      mention(),
    );
  });

  it('given a message of an erased author named by another mention first, then it is erased in both', () => {
    const events = [mention({ eventId: 'm-0', authorId: 'bob' }), mention()];
    expect([...erasedParts(events, erased)]).toEqual([
      [0, { author: false, message: true }],
      [1, { author: true, message: true }],
    ]);
  });

  it('given an erased message whose author is named after it (unnamedAuthor), then the author goes with it', () => {
    const events = [mention({ messageId: 'tweet-9', authorId: 'instagram-mention:tweet-9' })];
    expect([...erasedParts(events, erased)]).toEqual([[0, { author: true, message: true }]]);
  });

  it('given nothing erased, then nothing is', () => {
    expect(erasedParts([mention(), reply()], { authors: new Map(), messages: new Set() }).size).toBe(0);
  });
});
