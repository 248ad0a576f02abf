import { createHash } from 'node:crypto';

import { OrderStatusChanged, StorefrontOrderPlaced } from '@orderpulse/contracts';
import { on } from '@orderpulse/kafka';

import { assignDelivery } from '../../domain/use-cases/deliver-order.use-case';
import type { OrderPorts } from '../../domain/use-cases/deps';
import { placeOrder } from '../../domain/use-cases/place-order.use-case';

/** The order id of a storefront's order: the same reference always maps to the same order. */
export function storefrontOrderId(storefrontId: string, externalRef: string): string {
  return `sf_${createHash('sha256').update(`${storefrontId}\n${externalRef}`).digest('hex').slice(0, 32)}`;
}

/** Orders placed at upstream storefronts go through the same use case as the HTTP ones. */
export function storefrontIntake(ports: OrderPorts) {
  return on(StorefrontOrderPlaced, async (event) => {
    const { storefrontId, externalRef, ...order } = event.data;
    await placeOrder(ports, { ...order, orderId: storefrontOrderId(storefrontId, externalRef), storefront: { storefrontId, externalRef } });
  });
}

/** An accepted or dispatched order gets a delivery terminal; the event survives a crash between the two. */
export function deliveryAssigner(ports: OrderPorts) {
  return on(OrderStatusChanged, async (event) => {
    if (event.data.status === 'accepted' || event.data.status === 'dispatched') await assignDelivery(ports, event.data.orderId);
  });
}
