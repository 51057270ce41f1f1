import { topicNames, type MentionReceived } from '@carestream/contract';
import { CareError } from '@carestream/errors';
import type { EventCodec } from '@carestream/kafka';
import type { Producer, RecordMetadata } from 'kafkajs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventPublisher, MAX_SEND_BYTES } from './event-publisher.ts';

const mention: MentionReceived = {
  type: 'MentionReceived',
  eventId: 'm-1',
  brandId: 'acme',
  channel: 'x',
  conversationId: 'c-1',
  messageId: 't-1',
  authorId: 'cust-9',
  receivedAt: Date.UTC(2026, 10, 26, 9),
  kind: 'complaint',
  needsResponse: true,
  sentiment: null,
  authorFollowers: null,
  private: false,
  text: null,
};

const codec = { encode: async () => Buffer.from('avro') } as unknown as EventCodec;

/** A producer whose sendBatch is the given promise: a frozen broker is one that never settles it. */
function producerAnswering(answer: () => Promise<RecordMetadata[]>): Producer {
  return { sendBatch: answer } as unknown as Producer;
}

describe('EventPublisher: how long a request waits for Kafka', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('given a broker that never answers, when the deadline passes, then it throws a retriable CARE_ERR_KAFKA_UNAVAILABLE', async () => {
    const publisher = new EventPublisher(
      producerAnswering(() => new Promise(() => undefined)),
      codec,
      topicNames(''),
      { ackTimeoutMs: 5_000 },
    );
    const outcome = publisher.publish([mention]).then(
      () => 'resolved',
      (error: unknown) => error,
    );
    await vi.advanceTimersByTimeAsync(4_999);
    expect(await Promise.race([outcome, Promise.resolve('still waiting')])).toBe('still waiting');
    await vi.advanceTimersByTimeAsync(1);
    const error = await outcome;
    expect(error).toBeInstanceOf(CareError);
    expect(error).toMatchObject({ code: 'CARE_ERR_KAFKA_UNAVAILABLE', retriable: true });
    expect((error as Error).message).toMatch(/within 5000 ms.*retry later/);
  });

  it('given a send that fails after the deadline, then that late failure is nobody’s unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const publisher = new EventPublisher(
        producerAnswering(
          () => new Promise((_, reject) => setTimeout(() => reject(new Error('broker gone')), 10_000)),
        ),
        codec,
        topicNames(''),
        { ackTimeoutMs: 1_000 },
      );
      const outcome = publisher.publish([mention]).catch((error: unknown) => error);
      await vi.advanceTimersByTimeAsync(1_000);
      expect(await outcome).toMatchObject({ code: 'CARE_ERR_KAFKA_UNAVAILABLE' });
      await vi.advanceTimersByTimeAsync(10_000);
      vi.useRealTimers();
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('given a send that fails before the deadline, then it throws the same retriable error with the cause', async () => {
    const refused = new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    const publisher = new EventPublisher(
      producerAnswering(() => Promise.reject(refused)),
      codec,
      topicNames(''),
      { ackTimeoutMs: 5_000 },
    );
    const error = await publisher.publish([mention]).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'CARE_ERR_KAFKA_UNAVAILABLE', retriable: true, cause: refused });
  });

  it('given acknowledgements within the deadline, then it resolves and leaves no timer behind', async () => {
    const sendBatch = vi.fn(async () => [] as RecordMetadata[]);
    const publisher = new EventPublisher(producerAnswering(sendBatch), codec, topicNames(''), {
      ackTimeoutMs: 5_000,
    });
    await publisher.publish([mention]);
    expect(sendBatch).toHaveBeenCalledWith(expect.objectContaining({ acks: -1, timeout: 5_000 }));
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('EventPublisher: sends that brokers accept', () => {
  it('given more bytes than one send may hold, then it sends them in order in sends of at most MAX_SEND_BYTES', async () => {
    const sends: { topic: string; messages: { key: string; value: Buffer }[] }[][] = [];
    const producer = {
      sendBatch: async ({ topicMessages }: { topicMessages: (typeof sends)[number] }) => {
        sends.push(topicMessages);
        return [];
      },
    } as unknown as Producer;
    // 100 KiB a message: five fit in a send, with their keys and framing.
    const bigCodec = { encode: async () => Buffer.alloc(100 * 1024) } as unknown as EventCodec;
    const publisher = new EventPublisher(producer, bigCodec, topicNames(''), { ackTimeoutMs: 5_000 });
    const events = Array.from({ length: 12 }, (_, i) => ({ ...mention, eventId: `m-${i}` }));
    await publisher.publish(events);
    const sizes = sends.map((send) =>
      send
        .flatMap(({ messages }) => messages)
        .reduce((sum, { key, value }) => sum + key.length + value.length, 0),
    );
    expect(sends.map((send) => send.flatMap(({ messages }) => messages).length)).toEqual([5, 5, 2]);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_SEND_BYTES);
    expect(sends.flat().map(({ topic }) => topic)).toEqual(Array(3).fill(topicNames('').interactions));
  });
});

describe('EventPublisher: a request answered at its deadline', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('given a first send slower than the deadline, when the deadline passes, then the request’s later sends never start', async () => {
    let started = 0;
    let finishFirst: () => void = () => undefined;
    const producer = {
      sendBatch: () => {
        started += 1;
        return new Promise<RecordMetadata[]>((resolve) => {
          finishFirst = () => resolve([]);
        });
      },
    } as unknown as Producer;
    const bigCodec = { encode: async () => Buffer.alloc(400 * 1024) } as unknown as EventCodec;
    const publisher = new EventPublisher(producer, bigCodec, topicNames(''), { ackTimeoutMs: 5_000 });
    const outcome = publisher
      .publish([mention, { ...mention, eventId: 'm-2' }])
      .catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await outcome).toMatchObject({ code: 'CARE_ERR_KAFKA_UNAVAILABLE' });
    finishFirst();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(started).toBe(1);
  });
});
