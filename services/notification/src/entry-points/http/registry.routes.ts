import {
  AppError,
  type AuthSettings,
  authenticated,
  parseInput,
  principalOf,
  requireRole,
} from '@orderpulse/service-kit';
import type express from 'express';

import type { RegistryRepository } from '../../data-access/registry.repository';
import { recipientKey, recipientOf } from '../../domain/recipients';
import { AppBody, AppCodeParam, InstallationBody, InstallationParam, PreferencesBody } from './schemas';

/** Apps (admin), each terminal's own installations, and its notification preferences. */
export function registryRoutes(app: express.Express, deps: { registry: RegistryRepository; auth: AuthSettings }): void {
  const auth = authenticated(deps.auth);
  const { registry } = deps;

  app.put('/v1/apps/:appCode', auth, async (req, res) => {
    requireRole(principalOf(req), 'admin');
    const { appCode } = parseInput(AppCodeParam, req.params, 'path');
    const body = parseInput(AppBody, req.body);
    const { created } = await registry.saveApp({ appCode, ...body });
    res.status(created ? 201 : 200).json(appView({ appCode, ...body }));
  });

  app.get('/v1/apps/:appCode', auth, async (req, res) => {
    requireRole(principalOf(req), 'admin');
    const { appCode } = parseInput(AppCodeParam, req.params, 'path');
    const found = await registry.app(appCode);
    if (!found) throw AppError.notFound('app', { appCode });
    res.json(appView(found));
  });

  app.put('/v1/installations/:installationId', auth, async (req, res) => {
    const principal = principalOf(req);
    const key = recipientKey(recipientOf(principal));
    const { installationId } = parseInput(InstallationParam, req.params, 'path');
    const body = parseInput(InstallationBody, req.body);
    if (!(await registry.app(body.appCode))) {
      throw new AppError('UNPROCESSABLE', `no app has the authorization code ${body.appCode}`, { check: 'app_code' });
    }
    const registeredBy = {
      role: principal.role,
      subject: principal.subject,
      ...(principal.tenant ? { tenant: principal.tenant } : {}),
    };
    const device = {
      installationId,
      appCode: body.appCode,
      platform: body.platform,
      token: body.deviceToken,
      ...(body.locale ? { locale: body.locale } : {}),
      registeredAt: new Date(),
      registeredBy,
    };
    const result = await registry.register(key, device);
    if ('refused' in result) {
      throw AppError.conflict(
        'this installation is registered to someone else; only the same device (app and device token) or whoever registered it may move it',
        { installationId, check: 'possession' },
      );
    }
    res.status(result.created ? 201 : 200).json({
      installationId,
      recipient: key,
      appCode: body.appCode,
      platform: body.platform,
      ...(body.locale ? { locale: body.locale } : {}),
    });
  });

  app.delete('/v1/installations/:installationId', auth, async (req, res) => {
    const key = recipientKey(recipientOf(principalOf(req)));
    const { installationId } = parseInput(InstallationParam, req.params, 'path');
    await registry.unregister(key, installationId);
    res.status(204).end();
  });

  app.get('/v1/me', auth, async (req, res) => {
    const profile = await registry.recipient(recipientKey(recipientOf(principalOf(req))));
    res.json({
      recipient: profile.key,
      muted: profile.muted,
      ...(profile.locale ? { locale: profile.locale } : {}),
      installations: profile.devices.map((d) => ({
        installationId: d.installationId,
        appCode: d.appCode,
        platform: d.platform,
        locale: d.locale,
        registeredAt: d.registeredAt,
      })),
    });
  });

  app.put('/v1/me/preferences', auth, async (req, res) => {
    const key = recipientKey(recipientOf(principalOf(req)));
    const body = parseInput(PreferencesBody, req.body);
    const muted = [...new Set(body.muted)];
    await registry.setPreferences(key, { muted, locale: body.locale });
    res.json({ recipient: key, muted, ...(body.locale ? { locale: body.locale } : {}) });
  });
}

/** An app as shown back: whether it has credentials, never the credentials. */
function appView(app: {
  appCode: string;
  name: string;
  provider: string;
  gatewayUrl?: string | undefined;
  authorization?: string | undefined;
  apnsTopic?: string | undefined;
}) {
  const { authorization, ...rest } = app;
  return { ...rest, hasCredentials: authorization !== undefined };
}
