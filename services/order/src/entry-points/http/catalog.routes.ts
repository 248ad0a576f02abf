import { AppError, type AuthSettings, authenticated, parseInput, principalOf } from '@orderpulse/service-kit';
import type express from 'express';
import { z } from 'zod';

import type { CatalogRepository } from '../../data-access/catalog.repository';
import { StoreBody, DeliveryTerminalBody } from './schemas';

const Id = z.object({ id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'not an id') });

/** Stores and delivery terminals: kept by admins, and by each merchant for its own stores. */
export function catalogRoutes(
  app: express.Express,
  deps: { catalog: CatalogRepository; auth: AuthSettings; terminalSaved?: () => void },
): void {
  const auth = authenticated(deps.auth);

  app.put('/v1/stores/:id', auth, async (req, res) => {
    const principal = principalOf(req);
    const { id } = parseInput(Id, req.params, 'path');
    const store = parseInput(StoreBody, req.body);
    const isOwner = principal.role === 'merchant' && principal.tenant === store.merchantId;
    if (principal.role !== 'admin' && !isOwner)
      throw AppError.forbidden('only an admin or the merchant itself keeps a store');
    const existing = await deps.catalog.store(id);
    if (existing && principal.role !== 'admin' && existing.merchantId !== principal.tenant)
      throw AppError.forbidden('this store belongs to another merchant');
    await deps.catalog.saveStore({ ...store, storeId: id });
    res.status(existing ? 200 : 201).json({ storeId: id, ...store });
  });

  /** A store's menu and hours, as its customers' terminals show them. */
  app.get('/v1/stores/:id', auth, async (req, res) => {
    const { id } = parseInput(Id, req.params, 'path');
    const store = await deps.catalog.store(id);
    if (!store || (!store.active && principalOf(req).role === 'customer')) throw AppError.notFound(`store ${id}`);
    res.json(store);
  });

  app.put('/v1/terminals/:id', auth, async (req, res) => {
    if (principalOf(req).role !== 'admin') throw AppError.forbidden('only an admin registers delivery terminals');
    const { id } = parseInput(Id, req.params, 'path');
    const terminal = parseInput(DeliveryTerminalBody, req.body);
    await deps.catalog.saveTerminal({ terminalId: id, ...terminal });
    // Orders waiting for a rider may go to this terminal now.
    deps.terminalSaved?.();
    res.json({ terminalId: id, ...terminal });
  });
}
