/** A delivery terminal: a rider or a distribution station. */
export interface DeliveryTerminal {
  terminalId: string;
  regions: string[];
  active: boolean;
  /** Orders assigned and not yet delivered, counted from the orders themselves. */
  load: number;
}

/** The statuses in which an assigned order keeps its terminal busy: what a terminal's load counts. */
export const busyStatuses = ['accepted', 'dispatched', 'rider_took', 'rider_at_store', 'picked_up'] as const;

export type Assignment = { terminalId: string; strategy: 'region' | 'least_loaded' } | undefined;

/**
 * Picks the terminal for an order (seed 001: by a pre-specified strategy such as region):
 * the least loaded active terminal serving the order's region, else the least loaded active
 * terminal anywhere. Terminals that declined the order are passed over. Ties go to the lower id,
 * so the choice is repeatable.
 */
export function chooseTerminal(
  region: string,
  terminals: readonly DeliveryTerminal[],
  declinedBy: readonly string[],
): Assignment {
  const eligible = terminals.filter((t) => t.active && !declinedBy.includes(t.terminalId));
  const byLoad = (a: DeliveryTerminal, b: DeliveryTerminal) =>
    a.load - b.load || a.terminalId.localeCompare(b.terminalId);
  const local = eligible.filter((t) => t.regions.includes(region)).sort(byLoad)[0];
  if (local) return { terminalId: local.terminalId, strategy: 'region' };
  const any = [...eligible].sort(byLoad)[0];
  return any ? { terminalId: any.terminalId, strategy: 'least_loaded' } : undefined;
}
