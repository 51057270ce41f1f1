import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { respond } from '../negotiation.ts';
import { parseQuery, querySchema } from '../query-params.ts';
import type { ProjectionSnapshot } from '../projection-reader.ts';
import { List, Nullable, responses } from '../schemas.ts';
import { principalOf, SECURITY, type QueryRouteOptions } from './route-options.ts';

export const BrandItemSchema = Type.Object({
  brandId: Type.String(),
  name: Nullable(
    Type.String({ description: 'From the brand profile; null for a brand with data but none.' }),
  ),
  industry: Nullable(Type.String({ description: 'Industry slug from the profile; null without a profile.' })),
});

export interface BrandItem {
  readonly brandId: string;
  readonly name: string | null;
  readonly industry: string | null;
}

const BrandListSchema = List(BrandItemSchema, false);

/**
 * `GET /v1/brands`: the brands this key may read. An admin key sees every brand with a profile; a brand-limited
 * key sees only its own brands that exist (a profile or data), so it learns nothing about other tenants.
 */
export async function brandsRoute(app: FastifyInstance, options: QueryRouteOptions): Promise<void> {
  app.get(
    '/v1/brands',
    {
      schema: {
        tags: ['brands'],
        summary: 'The brands this API key may read, with their name and industry',
        description:
          'An admin key lists every brand with a profile; a brand-limited key lists those of its brands that ' +
          'exist (a profile or data). Sorted by name, then brandId.',
        querystring: querySchema([]),
        response: responses(BrandListSchema, { brand: false }),
        security: SECURITY,
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      parseQuery(request.query, [], options.clock());
      const items = await options.reader.read(async (snapshot) => {
        const profiled = await profiledBrands(snapshot, principal.brandIds);
        if (principal.brandIds === null) return profiled;
        // A key's brand without a profile is still listed when it has data (the brand routes answer for it).
        const known = new Set(profiled.map((item) => item.brandId));
        const unprofiled: BrandItem[] = [];
        for (const brandId of principal.brandIds) {
          if (known.has(brandId)) continue;
          if ((await snapshot.brand(brandId)).exists)
            unprofiled.push({ brandId, name: null, industry: null });
        }
        return [...profiled, ...unprofiled].sort(compareBrands);
      });
      return respond(request, reply, { items }, { rows: items, schema: BrandItemSchema });
    },
  );
}

/** Profiles (name, industry) of the given brands, or of every brand when `brandIds` is null, sorted. */
async function profiledBrands(
  snapshot: ProjectionSnapshot,
  brandIds: readonly string[] | null,
): Promise<BrandItem[]> {
  return (await snapshot.profiledBrands(brandIds)).sort(compareBrands);
}

function compareBrands(a: BrandItem, b: BrandItem): number {
  const byName = (a.name ?? a.brandId).localeCompare(b.name ?? b.brandId, 'en', { numeric: true });
  return byName !== 0 ? byName : a.brandId < b.brandId ? -1 : a.brandId > b.brandId ? 1 : 0;
}
