import type { FastifyInstance } from 'fastify';
import { assertBrandVisible } from '../access.ts';
import { churnItems } from '../figures.ts';
import { parseQuery, type QueryParamName } from '../query-params.ts';
import { BrandParams, ChurnItemSchema, List, querySchema, responses } from '../schemas.ts';
import {
  principalOf,
  requireBrand,
  respondWithPage,
  SECURITY,
  type QueryRouteOptions,
} from './route-options.ts';

const PARAMS: readonly QueryParamName[] = ['level', 'limit', 'cursor'];

/** `GET /v1/brands/{brandId}/churn-risk`: customers by churn risk now, highest first. */
export async function churnRiskRoute(app: FastifyInstance, options: QueryRouteOptions): Promise<void> {
  app.get<{ Params: { brandId: string } }>(
    '/v1/brands/:brandId/churn-risk',
    {
      schema: {
        tags: ['churn'],
        summary: 'Customers of a brand by churn risk now, highest first, with the reasons and their evidence',
        description:
          'Score 0..1: ignored complaints weigh most, late answers less, timely human answers lower it; every ' +
          'signal halves after 30 days. Levels: medium from 0.2, high from 0.4.',
        params: BrandParams,
        querystring: querySchema(PARAMS),
        response: responses(List(ChurnItemSchema, true), { brand: true }),
        security: SECURITY,
      },
    },
    async (request, reply) => {
      const { brandId } = request.params;
      assertBrandVisible(principalOf(request), brandId);
      const nowMs = options.clock();
      const query = parseQuery(request.query, PARAMS, nowMs);
      const items = await options.reader.read(async (snapshot) => {
        await requireBrand(snapshot, brandId);
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
