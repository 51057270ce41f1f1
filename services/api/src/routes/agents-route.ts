import type { FastifyInstance } from 'fastify';
import { assertBrandVisible } from '../access.ts';
import { agentItems } from '../figures.ts';
import { parseQuery, type QueryParamName } from '../query-params.ts';
import { AgentItemSchema, BrandParams, List, querySchema, responses } from '../schemas.ts';
import {
  principalOf,
  requireBrand,
  respondWithPage,
  SECURITY,
  type QueryRouteOptions,
} from './route-options.ts';

const PARAMS: readonly QueryParamName[] = ['from', 'to', 'window', 'channel', 'limit', 'cursor'];

/** `GET /v1/brands/{brandId}/agents`: who answered, how many and how fast. */
export async function agentsRoute(app: FastifyInstance, options: QueryRouteOptions): Promise<void> {
  app.get<{ Params: { brandId: string } }>(
    '/v1/brands/:brandId/agents',
    {
      schema: {
        tags: ['sla'],
        summary: 'Agents of a brand by answers over a period, most first',
        description:
          'An answer is credited to the agent whose reply answered the mention (mentions received in the period); ' +
          'humanReplies counts the agent’s replies sent in the period.',
        params: BrandParams,
        querystring: querySchema(PARAMS),
        response: responses(List(AgentItemSchema, true), { brand: true }),
        security: SECURITY,
      },
    },
    async (request, reply) => {
      const { brandId } = request.params;
      assertBrandVisible(principalOf(request), brandId);
      const query = parseQuery(request.query, PARAMS, options.clock());
      const items = await options.reader.read(async (snapshot) => {
        await requireBrand(snapshot, brandId);
        return agentItems(
          await snapshot.slaByAgent(brandId, { period: query.period, channel: query.channel }),
        );
      });
      return respondWithPage(request, reply, items, {
        query,
        scope: ['agents', brandId],
        schema: AgentItemSchema,
      });
    },
  );
}
