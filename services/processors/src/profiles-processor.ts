import { compareIds, type BrandProfileSet } from '@carestream/contract';
import { CareError } from '@carestream/errors';
import type { EventCodec } from '@carestream/kafka';
import type { ProcessorDefinition } from '@carestream/processor-runtime';

/**
 * Folds BrandProfileSet (log-compacted topic) into brand_profiles: the profile with the latest setAt wins, and
 * of two set at the same instant the one with the greater eventId (as the SLA fold orders versions,
 * BrandRulesHistory), so re-delivery or replay in any order ends in the same row.
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
        if (!known || laterVersion(value, known)) latest.set(value.brandId, value);
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
      // eventIds compared by code point (collate "C"), as compareIds does.
      await client.query(
        `insert into brand_profiles
         select * from jsonb_populate_recordset(null::brand_profiles, $1::jsonb)
         on conflict (brand_id) do update set
           name = excluded.name, industry = excluded.industry, timezone = excluded.timezone,
           business_hours = excluded.business_hours, sla_target_seconds = excluded.sla_target_seconds,
           customer_value = excluded.customer_value, own_account_ids = excluded.own_account_ids,
           set_at = excluded.set_at, event_id = excluded.event_id
         where (excluded.set_at, excluded.event_id collate "C") >= (brand_profiles.set_at, brand_profiles.event_id collate "C")`,
        [JSON.stringify(rows)],
      );
    },
  };
}

/** Whether `a` comes after `b` among a brand's versions: by setAt, then eventId (compareIds, as SQL below). */
function laterVersion(a: BrandProfileSet, b: BrandProfileSet): boolean {
  return a.setAt > b.setAt || (a.setAt === b.setAt && compareIds(a.eventId, b.eventId) >= 0);
}
