import type { BrandProfileSet } from '@carestream/contract';
import { CareError } from '@carestream/errors';
import type { EventCodec } from '@carestream/kafka';
import type { ProcessorDefinition } from '@carestream/processor-runtime';

/**
 * Folds BrandProfileSet (log-compacted topic) into brand_profiles: the profile with the latest setAt wins,
 * so re-delivery or replay in any order ends in the same row.
 */
export function profilesProcessor(codec: EventCodec, topic: string): ProcessorDefinition<BrandProfileSet> {
  return {
    name: 'brand-profiles',
    topics: [topic],
    decode: async (message) => {
      const event = await codec.decode(message.value);
      if (event.type !== 'BrandProfileSet') {
        throw new CareError('CARE_ERR_DECODE', `expected BrandProfileSet on ${topic}, got ${event.type}`);
      }
      return event;
    },
    eventTimeMs: (event) => event.setAt,
    apply: async (client, batches) => {
      const latest = new Map<string, BrandProfileSet>();
      for (const { value } of batches.flatMap((batch) => batch.records)) {
        const known = latest.get(value.brandId);
        if (!known || value.setAt >= known.setAt) latest.set(value.brandId, value);
      }
      const rows = [...latest.values()].map((profile) => ({
        brand_id: profile.brandId,
        name: profile.name,
        industry: profile.industry,
        timezone: profile.timezone,
        business_hours: profile.businessHours,
        sla_target_seconds: profile.slaTargetSeconds,
        customer_value: profile.customerValue,
        own_account_ids: profile.ownAccountIds,
        set_at: new Date(profile.setAt).toISOString(),
        event_id: profile.eventId,
      }));
      await client.query(
        `insert into brand_profiles
         select * from jsonb_populate_recordset(null::brand_profiles, $1::jsonb)
         on conflict (brand_id) do update set
           name = excluded.name, industry = excluded.industry, timezone = excluded.timezone,
           business_hours = excluded.business_hours, sla_target_seconds = excluded.sla_target_seconds,
           customer_value = excluded.customer_value, own_account_ids = excluded.own_account_ids,
           set_at = excluded.set_at, event_id = excluded.event_id
         where excluded.set_at >= brand_profiles.set_at`,
        [JSON.stringify(rows)],
      );
    },
  };
}
