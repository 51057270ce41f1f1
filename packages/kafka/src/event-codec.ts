import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import {
  avroSubjects,
  fromAvroRecord,
  toAvroRecord,
  type CareEvent,
  type TopicNames,
} from '@carestream/contract';
import { CareError, isNetworkFault } from '@carestream/errors';

const MAGIC_BYTE = 0;

type CareEventType = CareEvent['type'];
const REGISTER_ATTEMPTS = 8;

/** A writer schema as the registry client builds it (an avsc Type for Avro). */
interface WriterSchema {
  readonly name?: string;
  fromBuffer(payload: Buffer): unknown;
}

/**
 * Avro encoding of carestream events in the Confluent wire format (magic byte, 4-byte schema id, Avro
 * body), with schemas registered in a Confluent-compatible registry (Apicurio's ccompat API) under
 * TopicRecordNameStrategy subjects with BACKWARD compatibility.
 */
export class EventCodec {
  /**
   * Writer schemas by id, as decode first fetched them. A registry id names one schema for good, so each is
   * fetched once; every message after it is decoded here, without the registry client's three promises and
   * buffer copies per message (a fifth of what the processors allocated per event).
   */
  private readonly writers = new Map<number, WriterSchema>();

  private constructor(
    private readonly registry: SchemaRegistry,
    private readonly schemaIds: ReadonlyMap<CareEventType, number>,
  ) {}

  /** A codec that can only decode (processors): schemas are looked up by the id in each message. */
  static forDecoding(registry: SchemaRegistry): EventCodec {
    return new EventCodec(registry, new Map());
  }

  /** Registers (or finds) every event schema and returns a codec that encodes with their ids. */
  static async register(registry: SchemaRegistry, names: TopicNames): Promise<EventCodec> {
    const ids = new Map<CareEventType, number>();
    const subjects: { type: CareEventType; subject: string; schema: unknown }[] = Object.values(
      avroSubjects(names),
    );
    for (const subject of subjects) {
      // A registry that is starting, or whose database just restarted, answers 5xx for a moment: retry.
      for (let attempt = 1; ; attempt += 1) {
        try {
          const { id } = await registry.register(
            { type: SchemaType.AVRO, schema: JSON.stringify(subject.schema) },
            { subject: subject.subject },
          );
          ids.set(subject.type, id);
          break;
        } catch (error) {
          if (attempt >= REGISTER_ATTEMPTS || !isTransientRegistryError(error)) {
            throw registryFault(error, 'registering the event schemas');
          }
          await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 100 * 2 ** attempt)));
        }
      }
    }
    return new EventCodec(registry, ids);
  }

  async encode(event: CareEvent): Promise<Buffer> {
    const id = this.schemaIds.get(event.type);
    if (id === undefined) throw new CareError('CARE_ERR_INTERNAL', `no registered schema for ${event.type}`);
    return this.registry.encode(id, toAvroRecord(event));
  }

  /** Throws a non-retriable CARE_ERR_DECODE for a poison message, a retriable error when the registry is away. */
  async decode(buffer: Buffer | null): Promise<CareEvent> {
    if (!buffer || buffer.length < 5 || buffer[0] !== MAGIC_BYTE) {
      throw new CareError(
        'CARE_ERR_DECODE',
        'not in the Confluent Avro wire format (magic byte 0 + schema id)',
      );
    }
    const schemaId = buffer.readInt32BE(1);
    let writer = this.writers.get(schemaId);
    if (!writer) {
      try {
        writer = await this.registry.getSchema(schemaId);
      } catch (error) {
        // Refused credentials say nothing about the message: it must not be dead-lettered for them.
        if (isTransientRegistryError(error) || refusedCredentials(error)) {
          throw registryFault(error, `fetching schema ${schemaId}`);
        }
        throw decodeFailure(schemaId, error);
      }
      this.writers.set(schemaId, writer);
    }
    let value: unknown;
    try {
      value = writer.fromBuffer(buffer.subarray(5));
    } catch (error) {
      throw decodeFailure(schemaId, error);
    }
    return fromAvroRecord(writer.name ?? '', value);
  }
}

/**
 * 5xx answers (as a status, or in the words of the registry client's message) and network faults pass; 4xx (an
 * incompatible schema, a bad request) do not.
 */
function isTransientRegistryError(error: unknown): boolean {
  const status = (error as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 500) return true;
  return isNetworkFault(error) || /status 5\d\d|Service Unavailable/i.test(messageOf(error));
}

/** 401 or 403: the registry wants other credentials (SCHEMA_REGISTRY_USERNAME, SCHEMA_REGISTRY_PASSWORD). */
function refusedCredentials(error: unknown): boolean {
  const status = (error as { status?: unknown }).status;
  return status === 401 || status === 403;
}

function registryFault(error: unknown, doing: string): CareError {
  if (error instanceof CareError) return error;
  if (refusedCredentials(error)) {
    const status = (error as { status: number }).status;
    return new CareError(
      'CARE_ERR_REGISTRY_UNAVAILABLE',
      `the schema registry refused carestream's credentials (HTTP ${status}) while ${doing}: check SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD`,
      // Retried without committing, like an outage: the events wait for the credentials to be fixed.
      { retriable: true, cause: error },
    );
  }
  return new CareError(
    'CARE_ERR_REGISTRY_UNAVAILABLE',
    `schema registry unavailable while ${doing}: ${messageOf(error)}`,
    {
      retriable: true,
      cause: error,
    },
  );
}

function decodeFailure(schemaId: number, error: unknown): CareError {
  return new CareError('CARE_ERR_DECODE', `cannot decode with schema ${schemaId}: ${messageOf(error)}`, {
    cause: error,
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
