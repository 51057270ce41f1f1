import type { BrandProfileSet, MentionReceived, ReplySent } from '@carestream/contract';
import { createPool, migrate, type Pool } from '@carestream/postgres';
import { createTestDatabase, type TestDatabase } from '@carestream/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErasureLog } from './erasure-log.ts';
import { IdentityResolver } from './identity-resolver.ts';
import { IdentityVault } from './identity-vault.ts';
import { ERASED, unnamedAuthor } from './references.ts';
import { openText } from './sealed-text.ts';

const mention = (
  brandId: string,
  authorId: string,
  messageId: string,
  text = `text of ${messageId}`,
): MentionReceived => ({
  type: 'MentionReceived',
  eventId: `e-${messageId}`,
  brandId,
  channel: 'x',
  conversationId: `c-${messageId}`,
  messageId,
  authorId,
  receivedAt: 1_795_000_000_000,
  kind: 'complaint',
  needsResponse: true,
  sentiment: null,
  authorFollowers: 5000,
  private: false,
  text,
});

/** The brand's reply to a customer's message, in that message's conversation. */
const reply = (inReplyTo: string, eventId: string): ReplySent => ({
  type: 'ReplySent',
  eventId,
  brandId: 'acme',
  channel: 'x',
  conversationId: `c-${inReplyTo}`,
  messageId: `m-${eventId}`,
  inReplyTo,
  agentId: 'agent',
  sentAt: 1_795_000_060_000,
  automated: false,
  private: false,
});

describe('identities and erasure against real PostgreSQL', () => {
  let database: TestDatabase;
  let pool: Pool;
  let vault: IdentityVault;
  let log: ErasureLog;
  let resolver: IdentityResolver;
  const resolvedIds = (brandId: string, stored: MentionReceived) =>
    resolver
      .resolveMentions(brandId, [
        {
          mentionEventId: stored.eventId,
          conversationId: stored.conversationId,
          authorId: stored.authorId,
          messageId: stored.messageId,
          followers: stored.authorFollowers,
        },
      ])
      .then(([item]) => item);
  /** What an answer shows of the mention's author. */
  const shown = async (brandId: string, stored: MentionReceived) => {
    const item = await resolvedIds(brandId, stored);
    return item && { authorId: item.authorId, messageId: item.messageId, followers: item.followers };
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    await migrate(database.url);
    pool = createPool({ connectionString: database.url });
    log = new ErasureLog(pool, () => Date.parse('2026-11-29T04:00:00Z'));
    vault = new IdentityVault(pool, log);
    resolver = new IdentityResolver(pool, log);
  });

  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  it('gives an author the same reference in every batch and brands different ones; the API sees clear ids', async () => {
    const [first, reply] = (await vault.pseudonymize([
      mention('acme', 'alice', 't-1'),
      {
        type: 'ReplySent',
        eventId: 'r-1',
        brandId: 'acme',
        channel: 'x',
        conversationId: 'c-t-1',
        messageId: 't-9',
        inReplyTo: 't-1',
        agentId: 'agent',
        sentAt: 1_795_000_060_000,
        automated: false,
        private: false,
      },
    ])) as [MentionReceived, ReplySent];
    const [again] = (await vault.pseudonymize([mention('acme', 'alice', 't-2')])) as [MentionReceived];
    const [elsewhere] = (await vault.pseudonymize([mention('globex', 'alice', 't-1')])) as [MentionReceived];
    expect(again.authorId).toBe(first.authorId);
    expect(reply.inReplyTo).toBe(first.messageId);
    expect(elsewhere.authorId).not.toBe(first.authorId);
    expect(await shown('acme', first)).toEqual({ authorId: 'alice', messageId: 't-1', followers: 5000 });
    // Another brand's references resolve to nothing for this one, even if they reach it: in the API and in
    // the BI views.
    for (const brandId of ['acme', 'globex'])
      await pool.query(
        `insert into sla_g1.open_mentions (mention_event_id, conversation_key, brand_id, channel, conversation_id,
           message_id, author_id, kind, sentiment, followers, private, received_at)
         values ('bi-' || $1, $1 || ':c', $1, 'x', 'c', $2, $3, 'question', null, null, false, '2026-03-02T09:00:00Z')`,
        [brandId, first.messageId, first.authorId],
      );
    const { rows: bi } = await pool.query<{ brand_id: string; author_id: string; message_id: string }>(
      "select brand_id, author_id, message_id from bi_open_mentions where conversation_id = 'c' order by brand_id",
    );
    expect(bi).toEqual([
      { brand_id: 'acme', author_id: 'alice', message_id: 't-1' },
      { brand_id: 'globex', author_id: '[erased]', message_id: '[erased]' },
    ]);
    expect(await shown('globex', first)).toEqual({
      authorId: '[erased]',
      messageId: '[erased]',
      followers: null,
    });
    const { rows } = await pool.query<{ text_key: Buffer }>(
      'select text_key from author_identities where ref = $1',
      [first.messageId],
    );
    expect(openText(first.text ?? '', rows[0]?.text_key ?? Buffer.alloc(32), first.messageId)).toBe(
      'text of t-1',
    );
  });

  it('erases an author of one brand: identity, messages and text keys go, the audit log keeps no value', async () => {
    const [stored] = (await vault.pseudonymize([mention('acme', 'bob', 't-b1')])) as [MentionReceived];
    const [other] = (await vault.pseudonymize([mention('globex', 'bob', 't-b1')])) as [MentionReceived];
    const record = await log.erase(
      { kind: 'author', brandId: 'acme', authorId: 'bob' },
      { source: 'api', requestedBy: 'k1' },
    );
    expect(record).toMatchObject({
      status: 'completed',
      subject: 'author',
      brandId: 'acme',
      authorsErased: 1,
      messagesErased: 1,
    });
    expect(await log.find(record.erasureId)).toEqual(record);
    // Any string a caller sends is an unknown erasure, never a PostgreSQL error.
    expect(await log.find('------------------------------------')).toBeUndefined();
    expect(await log.find(record.erasureId.replace(/^./, 'g'))).toBeUndefined();
    expect(await shown('acme', stored)).toEqual({ authorId: ERASED, messageId: ERASED, followers: null });
    expect(await shown('globex', other)).toMatchObject({ authorId: 'bob', messageId: 't-b1' });
    const leftovers = await pool.query(
      `select * from author_identities where brand_id = 'acme' and clear_value like '%b1%' or clear_value = 'bob' and brand_id = 'acme'`,
    );
    expect(leftovers.rowCount).toBe(0);
    const audit = await pool.query('select * from erasures');
    expect(JSON.stringify(audit.rows)).not.toMatch(/bob|t-b1/);
    // The author posting again is new data: a new reference, unlinkable to the erased one.
    const [later] = (await vault.pseudonymize([mention('acme', 'bob', 't-b2')])) as [MentionReceived];
    expect(later.authorId).not.toBe(stored.authorId);
  });

  it('erases an author in every brand, and one message without its author', async () => {
    const [a] = (await vault.pseudonymize([mention('acme', 'carol', 't-c1')])) as [MentionReceived];
    const [g] = (await vault.pseudonymize([mention('globex', 'carol', 't-c2')])) as [MentionReceived];
    const [kept, gone] = (await vault.pseudonymize([
      mention('acme', 'dave', 't-d1'),
      mention('acme', 'dave', 't-d2'),
    ])) as [MentionReceived, MentionReceived];
    expect(
      await log.erase(
        { kind: 'author', brandId: null, authorId: 'carol' },
        { source: 'api', requestedBy: null },
      ),
    ).toMatchObject({
      authorsErased: 2,
      messagesErased: 2,
    });
    expect((await shown('acme', a))?.authorId).toBe(ERASED);
    expect((await shown('globex', g))?.authorId).toBe(ERASED);
    expect(
      await log.erase(
        { kind: 'message', brandId: 'acme', messageId: 't-d2' },
        { source: 'x-webhook', requestedBy: null },
      ),
    ).toMatchObject({
      authorsErased: 0,
      messagesErased: 1,
    });
    expect(await shown('acme', gone)).toEqual({ authorId: 'dave', messageId: ERASED, followers: 5000 });
    expect(await shown('acme', kept)).toEqual({ authorId: 'dave', messageId: 't-d1', followers: 5000 });
  });

  it('stores nothing an erasure removed again, and publishes what names it with references stored nowhere', async () => {
    await vault.pseudonymize([mention('acme', 'gina', 't-gi1'), mention('acme', 'hank', 't-h1')]);
    const erasedAt = Date.parse('2026-11-29T04:00:00Z'); // the log's clock
    await log.erase(
      { kind: 'author', brandId: null, authorId: 'gina' },
      { source: 'api', requestedBy: null },
    );
    await log.erase(
      { kind: 'message', brandId: 'acme', messageId: 't-h1' },
      { source: 'x-webhook', requestedBy: null },
    );
    const events = [
      mention('acme', 'gina', 't-gi1'), // 0: the old mention again (a redelivery)
      { ...mention('acme', 'gina', 't-gi2'), receivedAt: erasedAt + 60_000 }, // 1: written after the erasure: new
      mention('globex', 'gina', 't-gi3'), // 2: erased in every brand, first seen now
      mention('acme', 'hank', 't-h1'), // 3: the erased message again
      mention('acme', 'hank', 't-h2'), // 4: another message of its author
      mention('globex', 'hank', 't-h1'), // 5: the same message id in another brand is another message
      mention('acme', 'gina', 't-gi4'), // 6: an old one never seen before (history imported late)
      mention('acme', 'gina', 't-gi5'), // 7: another, in the same request
      reply('t-gi4', 'r-1'), // 8: answers an erased author's message
    ];
    const published = (await vault.pseudonymize(events)) as [
      MentionReceived,
      MentionReceived,
      MentionReceived,
      MentionReceived,
      MentionReceived,
      MentionReceived,
      MentionReceived,
      MentionReceived,
      ReplySent,
    ];
    const gone = { authorId: ERASED, messageId: ERASED, followers: null };
    expect(await shown('acme', published[0])).toEqual(gone);
    expect(await shown('acme', published[1])).toEqual({
      authorId: 'gina',
      messageId: 't-gi2',
      followers: 5000,
    });
    expect(await shown('globex', published[2])).toEqual(gone);
    expect(await shown('acme', published[3])).toEqual({
      authorId: 'hank',
      messageId: ERASED,
      followers: 5000,
    });
    expect(await shown('acme', published[4])).toEqual({
      authorId: 'hank',
      messageId: 't-h2',
      followers: 5000,
    });
    expect(await shown('globex', published[5])).toMatchObject({ messageId: 't-h1' });
    expect(await shown('acme', published[6])).toEqual(gone);
    // Everything else of each event is as sent; erased texts are dropped, the rest sealed.
    for (const index of [0, 2, 3, 6, 7]) {
      const event = published[index] as MentionReceived;
      const sent = events[index] as MentionReceived;
      expect(event).toMatchObject({ eventId: sent.eventId, conversationId: sent.conversationId, text: null });
      expect(event.receivedAt).toBe(sent.receivedAt);
    }
    // One late author is one (unstored) author within a request, and the reply names the mention's message.
    expect(published[7].authorId).toBe(published[6].authorId);
    expect(published[8].inReplyTo).toBe(published[6].messageId);
    // Replies in later requests to the erased author's messages, old or late, store nothing either.
    await vault.pseudonymize([reply('t-gi1', 'r-2'), reply('t-gi4', 'r-3'), reply('t-h1', 'r-4')]);
    const { rows } = await pool.query<{ clear_value: string }>(
      "select clear_value from author_identities where clear_value like 't-gi%' or clear_value = 't-h1' or clear_value = 'gina'",
    );
    expect(rows.map((row) => row.clear_value).sort()).toEqual(['gina', 't-gi2', 't-h1']);
    // ('gina' and 't-gi2' are the mention written after the erasure; 't-h1' is globex's message.)
    const { rows: brands } = await pool.query<{ brand_id: string }>(
      "select brand_id from author_identities where clear_value = 't-h1'",
    );
    expect(brands).toEqual([{ brand_id: 'globex' }]);
    // The audit log and the remembered messages hold digests, never the values.
    const audit = await pool.query('select * from erasures');
    const remembered = await pool.query('select * from erased_messages');
    expect(remembered.rowCount).toBeGreaterThan(0);
    expect(JSON.stringify([audit.rows, remembered.rows])).not.toMatch(/gina|t-gi|t-h/);
  });

  it('lets no erasure commit between the look-up of erasures and the rows stored on it', async () => {
    // An erasure of kim starts while a batch naming kim has looked erasures up and not yet stored anything.
    let erasing: Promise<unknown> = Promise.resolve();
    const racing: Pick<ErasureLog, 'erasedValues' | 'eraseLateMessages'> = {
      erasedValues: async (named, client) => {
        const values = await log.erasedValues(named, client);
        erasing = log.erase(
          { kind: 'author', brandId: null, authorId: 'kim' },
          { source: 'api', requestedBy: null },
        );
        await new Promise((resolve) => setTimeout(resolve, 300));
        return values;
      },
      eraseLateMessages: (client, messages) => log.eraseLateMessages(client, messages),
    };
    await new IdentityVault(pool, racing).pseudonymize([mention('acme', 'kim', 't-k1')]);
    await erasing;
    // The erasure waited for the batch, then erased what it stored.
    const { rowCount } = await pool.query(
      "select 1 from author_identities where clear_value in ('kim', 't-k1')",
    );
    expect(rowCount).toBe(0);
  });

  it('erases a late mention’s message that a reply had stored, before or after the author’s erasure', async () => {
    // The replies come first (a history of replies, then one of mentions): the messages have no author yet.
    await vault.pseudonymize([reply('t-iv1', 'r-iv1')]);
    await log.erase(
      { kind: 'author', brandId: 'acme', authorId: 'ivy' },
      { source: 'api', requestedBy: null },
    );
    await vault.pseudonymize([reply('t-iv2', 'r-iv2')]);
    await vault.pseudonymize([mention('acme', 'ivy', 't-iv1'), mention('acme', 'ivy', 't-iv2')]);
    const { rowCount } = await pool.query("select 1 from author_identities where clear_value like 't-iv%'");
    expect(rowCount).toBe(0);
    // And a reply naming one later stores nothing.
    await vault.pseudonymize([reply('t-iv1', 'r-iv3')]);
    expect(
      (await pool.query("select 1 from author_identities where clear_value like 't-iv%'")).rowCount,
    ).toBe(0);
  });

  it('stores no own account of a profile set before that account’s erasure', async () => {
    await log.erase({ kind: 'author', brandId: null, authorId: 'jay' }, { source: 'api', requestedBy: null });
    const erasedAt = Date.parse('2026-11-29T04:00:00Z');
    const profile = (setAt: number): BrandProfileSet => ({
      type: 'BrandProfileSet',
      eventId: `p-${setAt}`,
      brandId: 'acme',
      name: 'Acme',
      industry: 'retail',
      timezone: 'UTC',
      businessHours: null,
      slaTargetSeconds: 3600,
      customerValue: null,
      ownAccountIds: ['jay', 'acme-support'],
      setAt,
    });
    await vault.pseudonymize([profile(erasedAt - 1)]);
    expect((await pool.query("select 1 from author_identities where clear_value = 'jay'")).rowCount).toBe(0);
    // The account not erased is stored as ever.
    expect(
      (await pool.query("select 1 from author_identities where clear_value = 'acme-support'")).rowCount,
    ).toBe(1);
    // Set after the erasure, the account is new data.
    await vault.pseudonymize([profile(erasedAt + 1)]);
    expect((await pool.query("select 1 from author_identities where clear_value = 'jay'")).rowCount).toBe(1);
  });

  it('treats a customer id shaped like a reference as the clear id it is, erased ones included', async () => {
    const author = 'au_AAAAAAAAAAAAAAAAAAAAAA';
    await vault.pseudonymize([mention('acme', author, 'msg_BBBBBBBBBBBBBBBBBBBBBB')]);
    await log.erase(
      { kind: 'author', brandId: 'acme', authorId: author },
      { source: 'api', requestedBy: null },
    );
    const [late] = (await vault.pseudonymize([
      mention('acme', author, 'msg_CCCCCCCCCCCCCCCCCCCCCC'),
      reply('msg_BBBBBBBBBBBBBBBBBBBBBB', 'r-shaped'),
    ])) as [MentionReceived];
    expect(await shown('acme', late)).toEqual({ authorId: ERASED, messageId: ERASED, followers: null });
    const { rowCount } = await pool.query(
      "select 1 from author_identities where clear_value in ($1, 'msg_BBBBBBBBBBBBBBBBBBBBBB', 'msg_CCCCCCCCCCCCCCCCCCCCCC')",
      [author],
    );
    expect(rowCount).toBe(0);
  });

  it('erases with a message an author known only through it (an Instagram @mention names no author)', async () => {
    const [anonymous] = (await vault.pseudonymize([
      mention('acme', unnamedAuthor('instagram', 'ig-c1'), 'ig-c1'),
      mention('acme', 'olga', 'ig-c2'),
      mention('acme', 'olga', 'ig-c3'),
      // A customer whose own id merely ends like it keeps it.
      mention('acme', 'cust:ig-c4', 'ig-c4'),
      // An author of that shape with another message stays for it.
      mention('acme', unnamedAuthor('instagram', 'ig-c5'), 'ig-c5'),
      mention('acme', unnamedAuthor('instagram', 'ig-c5'), 'ig-c6'),
    ])) as [MentionReceived];
    for (const messageId of ['ig-c1', 'ig-c2', 'ig-c4', 'ig-c5'])
      await log.erase(
        { kind: 'message', brandId: 'acme', messageId },
        { source: 'meta-webhook', requestedBy: null },
      );
    expect(await shown('acme', anonymous)).toEqual({ authorId: ERASED, messageId: ERASED, followers: null });
    const { rows } = await pool.query<{ clear_value: string }>(
      "select clear_value from author_identities where clear_value like 'ig-c%' or clear_value like 'instagram-mention:%' or clear_value in ('olga', 'cust:ig-c4') order by 1",
    );
    // olga has a message left; cust:ig-c4 is an author of its own; ig-c5's placeholder has ig-c6 left.
    expect(rows.map((row) => row.clear_value)).toEqual([
      'cust:ig-c4',
      'ig-c3',
      'ig-c6',
      'instagram-mention:ig-c5',
      'olga',
    ]);
  });

  it('asks for one connection only: a fresh process reads the digest key on its transaction’s own', async () => {
    // Erasures exist (the tests above), so the batch needs the key, which this new log has not read yet.
    const single = createPool({ connectionString: database.url, max: 1 });
    try {
      const [stored] = (await new IdentityVault(single, new ErasureLog(single)).pseudonymize([
        mention('acme', 'lou', 't-l1'),
      ])) as [MentionReceived];
      expect(await shown('acme', stored)).toMatchObject({ authorId: 'lou', messageId: 't-l1' });
    } finally {
      await single.end();
    }
  });

  it('hides clear ids written straight to Kafka once their erasure is logged, and drops erased customers', async () => {
    const direct = mention('acme', 'erin', 't-e1');
    expect((await shown('acme', direct))?.authorId).toBe('erin');
    await log.erase(
      { kind: 'author', brandId: 'acme', authorId: 'erin' },
      { source: 'api', requestedBy: null },
    );
    expect(await shown('acme', direct)).toEqual({ authorId: ERASED, messageId: ERASED, followers: null });
    const message = mention('acme', 'frank', 't-f1');
    await log.erase(
      { kind: 'message', brandId: 'acme', messageId: 't-f1' },
      { source: 'api', requestedBy: null },
    );
    expect(await shown('acme', message)).toEqual({ authorId: 'frank', messageId: ERASED, followers: 5000 });
    const signal = (messageId: string) => ({ kind: 'ignored', evidence: { mentionEventId: 'm', messageId } });
    const customers = await resolver.resolveCustomers(
      'acme',
      new Map([
        ['erin', [signal('t-e1')]],
        ['frank', [signal('t-f1'), signal('t-f2')]],
      ]),
    );
    expect([...customers]).toEqual([['frank', [signal(ERASED), signal('t-f2')]]]);
  });

  it('shows the clear ids behind references embedded in conversation and event ids, [erased] once erased', async () => {
    const [stored] = (await vault.pseudonymize([mention('acme', 'gus', 't-g1')])) as [MentionReceived];
    // What the X adapter makes of a tweet: its conversation and event ids carry the tweet's reference.
    const adapted = { ...stored, conversationId: stored.messageId, eventId: `x:tweet:${stored.messageId}` };
    expect(await resolvedIds('acme', adapted)).toMatchObject({
      mentionEventId: 'x:tweet:t-g1',
      conversationId: 't-g1',
      messageId: 't-g1',
    });
    await log.erase(
      { kind: 'message', brandId: 'acme', messageId: 't-g1' },
      { source: 'x-webhook', requestedBy: null },
    );
    expect(await resolvedIds('acme', adapted)).toMatchObject({
      mentionEventId: ERASED,
      conversationId: ERASED,
      messageId: ERASED,
      authorId: 'gus',
    });
    // An id that only looks like a prefix and a reference, of a producer of one's own, is kept as it is.
    expect(
      await resolvedIds('acme', { ...mention('acme', 'gus', 't-g2'), eventId: 'plain-id' }),
    ).toMatchObject({
      mentionEventId: 'plain-id',
    });
  });

  it('erases an author while batches naming them are being published, without an error either side', async () => {
    const batch = (n: number) => [
      mention('acme', 'hal', `t-h${n}`),
      mention('acme', `other-${n}`, `t-o${n}`),
    ];
    await vault.pseudonymize(batch(0));
    const results = await Promise.allSettled([
      ...Array.from({ length: 8 }, (_, n) => vault.pseudonymize(batch(n + 1))),
      log.erase({ kind: 'author', brandId: 'acme', authorId: 'hal' }, { source: 'api', requestedBy: null }),
      ...Array.from({ length: 8 }, (_, n) => vault.pseudonymize(batch(n + 9))),
    ]);
    expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
    // A batch's message rows name its author row while the erasure may delete it: the batch's lock on that row
    // makes the erasure wait and delete the batch's messages too, so no message outlives its author.
    const { rows } = await pool.query<{ orphans: number }>(
      `select count(*)::int as orphans from author_identities m
        where m.author_ref is not null and not exists (select 1 from author_identities a where a.ref = m.author_ref)`,
    );
    expect(rows[0]?.orphans).toBe(0);
  });
});
