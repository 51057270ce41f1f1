import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { MENTION_RECEIVED_SCHEMA, topicNames, type CareEvent, type TopicNames } from '@carestream/contract';
import { deleteTestTopics, testServices, uniqueName } from '@carestream/test-support';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { EventCodec } from './event-codec.ts';

const mention: CareEvent = {
  type: 'MentionReceived',
  eventId: 'm-1',
  brandId: 'acme',
  channel: 'instagram',
  conversationId: 'c-1',
  messageId: 'msg-1',
  authorId: 'cust-1',
  receivedAt: Date.UTC(2026, 10, 26, 9),
  kind: 'complaint',
  needsResponse: true,
  sentiment: -0.6,
  authorFollowers: 1200,
  private: false,
  text: 'where is my parcel?',
};

describe('event schemas in the real schema registry', () => {
  const services = testServices();
  const registry = new SchemaRegistry({ host: services.schemaRegistryUrl });
  // Each test registers under topic names of its own (no topic is created): their subjects go at the end.
  const used: TopicNames[] = [];
  const namesFor = (label: string): TopicNames => {
    const names = topicNames(`${uniqueName(label)}.`);
    used.push(names);
    return names;
  };

  afterAll(async () => {
    await deleteTestTopics(used.flatMap((names) => Object.values(names)));
  });

  it('registers every event schema with BACKWARD compatibility and round-trips events', async () => {
    const names = namesFor('codec');
    const codec = await EventCodec.register(registry, names);
    const encoded = await codec.encode(mention);
    expect(encoded[0]).toBe(0); // Confluent wire format: magic byte, then the schema id
    expect(await EventCodec.forDecoding(registry).decode(encoded)).toEqual(mention);
    const config = await fetch(
      `${services.schemaRegistryUrl}/config/${names.interactions}-dev.carestream.events.MentionReceived`,
    );
    expect(((await config.json()) as { compatibilityLevel: string }).compatibilityLevel).toBe('BACKWARD');
  });

  it('accepts a new optional field, and old readers still read the new data', async () => {
    const names = namesFor('evolve');
    const codec = await EventCodec.register(registry, names);
    const subject = `${names.interactions}-dev.carestream.events.MentionReceived`;
    const evolved = {
      ...MENTION_RECEIVED_SCHEMA,
      fields: [
        ...MENTION_RECEIVED_SCHEMA.fields,
        { name: 'language', type: ['null', 'string'], default: null },
      ],
    };
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(evolved) },
      { subject },
    );
    const { type: _type, ...record } = mention;
    const newer = await registry.encode(id, { ...record, language: 'fr' });
    // The codec (built for the old schema) decodes it to the event it knows, without the new field.
    expect(await codec.decode(newer)).toEqual(mention);
  });

  it('refuses an incompatible change (a new required field)', async () => {
    const names = namesFor('refuse');
    await EventCodec.register(registry, names);
    const subject = `${names.interactions}-dev.carestream.events.MentionReceived`;
    const incompatible = {
      ...MENTION_RECEIVED_SCHEMA,
      fields: [...MENTION_RECEIVED_SCHEMA.fields, { name: 'language', type: 'string' }],
    };
    await expect(
      registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(incompatible) }, { subject }),
    ).rejects.toThrow(/compatib|409/i);
  });

  it('dead-letters an event produced past ingest whose id breaks the id grammar, and cleans its text', async () => {
    const names = namesFor('grammar');
    const codec = await EventCodec.register(registry, names);
    // The encoder takes any string: what a producer writing straight to Kafka could put there.
    const nul = await codec.encode({ ...mention, conversationId: 'c\u0000-1' });
    await expect(EventCodec.forDecoding(registry).decode(nul)).rejects.toMatchObject({
      code: 'CARE_ERR_DECODE',
      retriable: false,
      field: 'conversationId',
      message: expect.stringMatching(/^conversationId contains U\+0000, a control character/),
    });
    const traversal = await codec.encode({ ...mention, brandId: '../x' });
    await expect(EventCodec.forDecoding(registry).decode(traversal)).rejects.toMatchObject({
      code: 'CARE_ERR_DECODE',
      field: 'brandId',
    });
    const text = await codec.encode({ ...mention, text: 'where\u0000 is it?' });
    expect(await EventCodec.forDecoding(registry).decode(text)).toEqual({ ...mention, text: 'where is it?' });
  });

  it('fetches a writer schema once, however many messages use it, and dead-letters a truncated body', async () => {
    const names = namesFor('writers');
    const encoded = await (await EventCodec.register(registry, names)).encode(mention);
    const reader = new SchemaRegistry({ host: services.schemaRegistryUrl });
    const fetches = vi.spyOn(reader, 'getSchema');
    const codec = EventCodec.forDecoding(reader);
    expect(await codec.decode(encoded)).toEqual(mention);
    expect(await codec.decode(encoded)).toEqual(mention);
    expect(fetches).toHaveBeenCalledTimes(1);
    await expect(codec.decode(encoded.subarray(0, encoded.length - 3))).rejects.toMatchObject({
      code: 'CARE_ERR_DECODE',
      retriable: false,
      message: expect.stringMatching(/^cannot decode with schema \d+: /),
    });
  });

  it('dead-letters what is not in the wire format', async () => {
    await expect(
      EventCodec.forDecoding(registry).decode(Buffer.from('{"type":"mention"}')),
    ).rejects.toMatchObject({
      code: 'CARE_ERR_DECODE',
      retriable: false,
    });
  });
});
