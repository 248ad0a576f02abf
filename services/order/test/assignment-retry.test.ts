import type { OrderPorts } from '../src/domain/use-cases/ports';
import { AwaitingRider, retryAssignments } from '../src/entry-points/jobs/assignments.reconciler';

const order = (over: Partial<Parameters<AwaitingRider['note']>[0]> = {}): Parameters<AwaitingRider['note']>[0] => ({
  orderId: 'o-1',
  status: 'accepted',
  terminalId: undefined,
  awaitingRiderSince: new Date(),
  ...over,
});

describe('which orders the assignment retry offers again', () => {
  test('an order is waiting while it has waited for a rider, has none and can still be assigned', () => {
    const waiting = new AwaitingRider();
    waiting.note(order());
    waiting.note(order({ orderId: 'o-2', status: 'dispatched' }));
    expect(waiting.list()).toEqual(['o-1', 'o-2']);
    waiting.note(order({ terminalId: 't-1', awaitingRiderSince: undefined }));
    waiting.note(order({ orderId: 'o-2', status: 'delivered' }));
    waiting.note(order({ orderId: 'o-3', awaitingRiderSince: undefined }));
    expect(waiting.list()).toEqual([]);
  });

  test('a due pass with nobody waiting reads nothing from MongoDB; a pass over all does', async () => {
    let reads = 0;
    const orders = {
      async *unassigned() {
        reads += 1;
        yield* [];
      },
    };
    const ports = {} as OrderPorts;
    expect(await retryAssignments(ports, orders, new AwaitingRider(), 'due')).toEqual({
      checked: 0,
      assigned: 0,
      failed: 0,
    });
    expect(reads).toBe(0);
    expect(await retryAssignments(ports, orders, new AwaitingRider(), 'all')).toEqual({
      checked: 0,
      assigned: 0,
      failed: 0,
    });
    expect(reads).toBe(1);
  });
});
