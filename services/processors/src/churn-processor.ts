import type { SlaChangeDerived } from '@carestream/contract';
import { churnSignalUpdate, fromDerivedEvent, type ChurnSignalUpdate } from '@carestream/domain';
import { CareError } from '@carestream/errors';
import type { EventCodec } from '@carestream/kafka';
import type { ProcessorDefinition } from '@carestream/processor-runtime';
import { useGeneration } from './projection-generation.ts';

export interface ChurnProcessorOptions {
  readonly codec: EventCodec;
  readonly derivedTopic: string;
  readonly fixedSchema?: string;
  readonly name?: string;
}

/**
 * The churn processor: folds the SLA processor's derived events into each customer's churn signals (one
 * outcome slot and one sentiment slot per mention). Setting a slot is idempotent and a mention's events stay
 * in order on their partition, so re-delivery ends in the same state; the score itself decays with time and
 * is computed when read (domain churnRisk).
 */
export function churnProcessor(options: ChurnProcessorOptions): ProcessorDefinition<SlaChangeDerived> {
  return {
    name: options.name ?? 'churn',
    topics: [options.derivedTopic],
    prepareTransaction: async (client) => {
      await useGeneration(client, 'churn', options.fixedSchema);
    },
    decode: async (message) => {
      const event = await options.codec.decode(message.value);
      if (event.type !== 'SlaChangeDerived')
        throw new CareError('CARE_ERR_DECODE', `the churn processor does not take ${event.type}`);
      return event;
    },
    eventTimeMs: (event) => event.at,
    apply: async (client, batch) => {
      // Last update per slot wins within the batch, as it would applied one by one.
      const slots = new Map<string, ChurnSignalUpdate>();
      for (const { value } of batch.records) {
        const update = churnSignalUpdate(fromDerivedEvent(value), value.slaTargetMs);
        if (update)
          slots.set(
            `${update.brandId}\u0000${update.authorId}\u0000${update.mentionEventId}\u0000${update.slot}`,
            update,
          );
      }
      const updates = [...slots.values()];
      const set = updates.flatMap((u) =>
        u.signal === null
          ? []
          : [
              {
                brand_id: u.brandId,
                author_id: u.authorId,
                mention_event_id: u.mentionEventId,
                slot: u.slot,
                kind: u.signal.kind,
                intensity: u.signal.intensity,
                message_id: u.signal.evidence.messageId,
                at: new Date(u.signal.evidence.at).toISOString(),
              },
            ],
      );
      const cleared = updates.filter((u) => u.signal === null);
      if (cleared.length > 0) {
        await client.query(
          `delete from churn_signals c using unnest($1::text[], $2::text[], $3::text[], $4::text[]) as d(brand_id, author_id, mention_event_id, slot)
            where c.brand_id = d.brand_id and c.author_id = d.author_id and c.mention_event_id = d.mention_event_id and c.slot = d.slot`,
          [
            cleared.map((u) => u.brandId),
            cleared.map((u) => u.authorId),
            cleared.map((u) => u.mentionEventId),
            cleared.map((u) => u.slot),
          ],
        );
      }
      if (set.length > 0) {
        await client.query(
          `insert into churn_signals select * from jsonb_populate_recordset(null::churn_signals, $1::jsonb)
           on conflict (brand_id, author_id, mention_event_id, slot) do update set
             kind = excluded.kind, intensity = excluded.intensity, message_id = excluded.message_id, at = excluded.at`,
          [JSON.stringify(set)],
        );
      }
    },
  };
}
