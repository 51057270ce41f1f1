import { DEFAULT_SLA_TARGET_SECONDS } from '@carestream/contract';
import type { FastifyInstance } from 'fastify';
import { assertBrandVisible } from '../access.ts';
import { backlogItems } from '../figures.ts';
import { parseQuery, type QueryParamName } from '../query-params.ts';
import { BacklogItemSchema, BrandParams, List, querySchema, responses } from '../schemas.ts';
import {
  principalOf,
  requireBrand,
  respondWithPage,
  SECURITY,
  type QueryRouteOptions,
} from './route-options.ts';

const PARAMS: readonly QueryParamName[] = ['channel', 'limit', 'cursor'];

/** `GET /v1/brands/{brandId}/backlog`: the open mentions now, most urgent first. */
export async function backlogRoute(app: FastifyInstance, options: QueryRouteOptions): Promise<void> {
  app.get<{ Params: { brandId: string } }>(
    '/v1/brands/:brandId/backlog',
    {
      schema: {
        tags: ['backlog'],
        summary: 'Open mentions now (neither answered nor expired), ranked by urgency',
        description:
          'Urgency adds up the kind (complaints first), negative sentiment, audience size and age against the ' +
          'brand’s SLA target; reasons say which of these count. pastTarget: waiting at least the target.',
        params: BrandParams,
        querystring: querySchema(PARAMS),
        response: responses(List(BacklogItemSchema, true), { brand: true }),
        security: SECURITY,
      },
    },
    async (request, reply) => {
      const { brandId } = request.params;
      assertBrandVisible(principalOf(request), brandId);
      const nowMs = options.clock();
      const query = parseQuery(request.query, PARAMS, nowMs);
      const items = await options.reader.read(async (snapshot) => {
        const profile = await requireBrand(snapshot, brandId);
        const targetSeconds = profile?.slaTargetSeconds ?? DEFAULT_SLA_TARGET_SECONDS;
        const mentions = await snapshot.openMentions(brandId, query.channel);
        return backlogItems(
          await options.identities.resolveMentions(brandId, mentions),
          nowMs,
          targetSeconds,
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
