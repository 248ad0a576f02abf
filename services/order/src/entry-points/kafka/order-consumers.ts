import { createHash } from 'node:crypto';

import {
  OrderStatusChanged,
  storefrontCustomerId,
  StorefrontOrderPlaced,
  storefrontSource,
} from '@orderpulse/contracts';
import { on } from '@orderpulse/kafka';
import { AppError } from '@orderpulse/service-kit';

import { assignDelivery } from '../../domain/use-cases/deliver-order.use-case';
import type { OrderPorts } from '../../domain/use-cases/deps';
import { placeOrder } from '../../domain/use-cases/place-order.use-case';

/** The order id of a storefront's order: the same reference always maps to the same order. */
export function storefrontOrderId(storefrontId: string, externalRef: string): string {
  return `sf_${createHash('sha256').update(`${storefrontId}\n${externalRef}`).digest('hex').slice(0, 32)}`;
}

/**
 * Orders placed at upstream storefronts go through the same use case as the HTTP ones. A record
 * whose `ce_source` is not `storefront/<storefrontId>` of its data is dead-lettered (a producer
 * configured for one storefront cannot place for another by mistake; whoever may write the topic
 * can still name any storefront — that is for Kafka's ACLs). Its customer is the storefront's
 * (`storefrontCustomerId`).
 */
export function storefrontIntake(ports: OrderPorts) {
  return on(StorefrontOrderPlaced, async (event) => {
    const { storefrontId, externalRef, customerId, ...order } = event.data;
    if (event.source !== storefrontSource(storefrontId)) {
      throw new AppError(
        'UNPROCESSABLE',
        `a record from ${JSON.stringify(event.source)} cannot place an order for storefront ${storefrontId}: its ce_source must be ${storefrontSource(storefrontId)}`,
      );
    }
    await placeOrder(ports, {
      ...order,
      customerId: storefrontCustomerId(storefrontId, customerId),
      orderId: storefrontOrderId(storefrontId, externalRef),
      storefront: { storefrontId, externalRef },
    });
  });
}

/** An accepted or dispatched order gets a delivery terminal; the event survives a crash between the two. */
export function deliveryAssigner(ports: OrderPorts) {
  return on(OrderStatusChanged, async (event) => {
    if (event.data.status === 'accepted' || event.data.status === 'dispatched')
      await assignDelivery(ports, event.data.orderId);
  });
}
