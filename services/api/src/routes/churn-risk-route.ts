import type { FastifyInstance } from 'fastify';
import { churnItems } from '../figures.ts';
import { ChurnItemSchema, List } from '../schemas.ts';
import {
  brandRequestOf,
  brandRoute,
  readBrand,
  respondWithPage,
  type QueryRouteOptions,
} from './route-options.ts';

/** `GET /v1/brands/{brandId}/churn-risk`: customers by churn risk now, highest first. */
export async function churnRiskRoute(app: FastifyInstance, options: QueryRouteOptions): Promise<void> {
  app.get(
    '/v1/brands/:brandId/churn-risk',
    brandRoute({
      tags: ['churn'],
      summary: 'Customers of a brand by churn risk now, highest first, with the reasons and their evidence',
      description:
        'Score 0..1: ignored complaints weigh most, late answers less, timely human answers lower it; every ' +
        'signal halves after 30 days. Levels: medium from 0.2, high from 0.4.',
      query: ['level', 'limit', 'cursor'],
      answer: List(ChurnItemSchema, true),
    }),
    async (request, reply) => {
      const { brandId, query, nowMs } = brandRequestOf(request);
      const items = await readBrand(options.reader, brandId, async (snapshot) => {
        const signals = await snapshot.churnSignals(brandId);
        return churnItems(await options.identities.resolveCustomers(brandId, signals), nowMs);
      });
      const filtered = query.level === null ? items : items.filter((item) => item.level === query.level);
      return respondWithPage(request, reply, filtered, {
        query,
        scope: ['churn-risk', brandId],
        schema: ChurnItemSchema,
      });
    },
  );
}
