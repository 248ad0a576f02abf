import { storefrontCustomerId, StorefrontOrderPlaced, storefrontSource } from '@orderpulse/contracts';
import { on } from '@orderpulse/kafka';
import { AppError } from '@orderpulse/service-kit';

import { storefrontOrderId } from '../../domain/placement';
import { placeOrder } from '../../domain/use-cases/place-order.use-case';
import type { OrderPorts } from '../../domain/use-cases/ports';

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
