import type { FastifyInstance } from 'fastify';
import { agentItems } from '../figures.ts';
import { AgentItemSchema, List } from '../schemas.ts';
import {
  brandRequestOf,
  brandRoute,
  readBrand,
  respondWithPage,
  type QueryRouteOptions,
} from './route-options.ts';

/** `GET /v1/brands/{brandId}/agents`: who answered, how many and how fast. */
export async function agentsRoute(app: FastifyInstance, options: QueryRouteOptions): Promise<void> {
  app.get(
    '/v1/brands/:brandId/agents',
    brandRoute({
      tags: ['sla'],
      summary: 'Agents of a brand by answers over a period, most first',
      description:
        'An answer is credited to the agent whose reply answered the mention (mentions received in the period); ' +
        'humanReplies counts the agent’s replies sent in the period.',
      query: ['from', 'to', 'window', 'channel', 'limit', 'cursor'],
      answer: List(AgentItemSchema, true),
    }),
    async (request, reply) => {
      const { brandId, query } = brandRequestOf(request);
      const items = await readBrand(options.reader, brandId, async (snapshot) =>
        agentItems(await snapshot.slaByAgent(brandId, { period: query.period, channel: query.channel })),
      );
      return respondWithPage(request, reply, items, {
        query,
        scope: ['agents', brandId],
        schema: AgentItemSchema,
      });
    },
  );
}
