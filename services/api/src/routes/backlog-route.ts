import type { FastifyInstance } from 'fastify';
import { backlogItems } from '../figures.ts';
import { BacklogItemSchema, List } from '../schemas.ts';
import {
  brandRequestOf,
  brandRoute,
  readBrand,
  respondWithPage,
  type QueryRouteOptions,
} from './route-options.ts';

/** `GET /v1/brands/{brandId}/backlog`: the open mentions now, most urgent first. */
export async function backlogRoute(app: FastifyInstance, options: QueryRouteOptions): Promise<void> {
  app.get(
    '/v1/brands/:brandId/backlog',
    brandRoute({
      tags: ['backlog'],
      summary: 'Open mentions now (neither answered nor expired), ranked by urgency',
      description:
        'Urgency adds up the kind (complaints first), negative sentiment, audience size and age against the ' +
        'brand’s SLA target in force when it was received; reasons say which of these count. pastTarget: waiting ' +
        'at least that target.',
      query: ['channel', 'limit', 'cursor'],
      answer: List(BacklogItemSchema, true),
    }),
    async (request, reply) => {
      const { brandId, query, nowMs } = brandRequestOf(request);
      const items = await readBrand(options.reader, brandId, async (snapshot) => {
        const rules = await snapshot.brandRules(brandId);
        const mentions = await snapshot.openMentions(brandId, query.channel);
        return backlogItems(
          await options.identities.resolveMentions(brandId, mentions),
          nowMs,
          (receivedAtMs) => rules.at(receivedAtMs).slaTargetMs,
        );
      });
      return respondWithPage(request, reply, items, {
        query,
        scope: ['backlog', brandId],
        schema: BacklogItemSchema,
      });
    },
  );
}
