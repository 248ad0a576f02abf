import { Topics } from '@orderpulse/contracts';
import type { KafkaClient } from '@orderpulse/kafka';
import { type AuthSettings, authenticated, parseInput, principalOf, requireRole } from '@orderpulse/service-kit';
import { collectTimeline, formatTimeline } from '@orderpulse/timeline';
import type express from 'express';

import type { PushLogRepository } from '../../data-access/push-log.repository';
import { TimelinePath } from './schemas';

/**
 * `GET /v1/admin/orders/:orderId/timeline` (admin): one order across the services — its events on
 * every topic and dead-letter topic, state changes, the countdown, each push and its tries, its
 * images — as JSON, or as lines with `Accept: text/plain`. The answer to "why was this customer not told?".
 */
export function timelineRoutes(
  app: express.Express,
  deps: {
    log: PushLogRepository;
    auth: AuthSettings;
    kafka: KafkaClient;
    topicPrefix: string;
    services: { order?: string | undefined; media?: string | undefined };
  },
): void {
  app.get('/v1/admin/orders/:orderId/timeline', authenticated(deps.auth), async (req, res) => {
    requireRole(principalOf(req), 'admin');
    const { orderId } = parseInput(TimelinePath, req.params, 'path');
    const timeline = await collectTimeline(orderId, {
      kafka: deps.kafka,
      topics: [Topics.orderEvents, Topics.mediaEvents].map((t) => `${deps.topicPrefix}${t}`),
      services: deps.services,
      readPushes: async (id) =>
        (await deps.log.forOrder(id, 500, 'everyone')).map(({ key, attempts, createdAt, ...rest }) => ({
          ...rest,
          idempotencyKey: key,
          createdAt: createdAt.toISOString(),
          attempts: attempts.map((a) => ({ ...a, at: a.at.toISOString() })),
        })),
      authorization: req.headers.authorization ?? '',
    });
    if (req.accepts(['application/json', 'text/plain']) === 'text/plain')
      res.type('text/plain').send(`${formatTimeline(timeline)}\n`);
    else res.json(timeline);
  });
}
