// The SLA projection's brand_rules rows as the domain's profile versions: the one reading of them, for the
// processors (which fold with them) and the API (which judges the backlog by them).
import type { BusinessHoursRange } from '@carestream/contract';
import type { BrandRulesVersion } from '@carestream/domain';
import { arrayLiteral } from './bulk-parameters.ts';
import type { PoolClient } from './pool.ts';

/**
 * Every profile version stored in `table` (a generation's `brand_rules`, schema-qualified or found on the
 * search path) of these brands, by brand; a brand with none is absent.
 */
export async function readBrandRules(
  client: PoolClient,
  table: string,
  brandIds: Iterable<string>,
): Promise<Map<string, BrandRulesVersion[]>> {
  const brands = [...new Set(brandIds)];
  const versions = new Map<string, BrandRulesVersion[]>();
  if (brands.length === 0) return versions;
  const { rows } = await client.query<{
    brand_id: string;
    event_id: string;
    set_at_ms: number;
    sla_target_ms: string;
    own_account_ids: string[];
    timezone: string;
    business_hours: BusinessHoursRange[] | null;
  }>(
    `select brand_id, event_id, (extract(epoch from set_at) * 1000)::float8 as set_at_ms, sla_target_ms,
            own_account_ids, timezone, business_hours
       from ${table} where brand_id = any($1::text[])`,
    [arrayLiteral(brands)],
  );
  for (const row of rows) {
    const list = versions.get(row.brand_id) ?? [];
    list.push({
      eventId: row.event_id,
      setAt: row.set_at_ms,
      slaTargetMs: Number(row.sla_target_ms),
      ownAccountIds: row.own_account_ids,
      timezone: row.timezone,
      businessHours: row.business_hours,
    });
    versions.set(row.brand_id, list);
  }
  return versions;
}
