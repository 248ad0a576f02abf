import type { Locale } from '@orderpulse/contracts';
import type mongoose from 'mongoose';

import type { Category } from '../domain/categories';
import type { RecipientKey } from '../domain/recipients';
import { type App, type Device, mayMove, type RecipientProfile } from '../domain/registry';

type Doc = mongoose.mongo.Document;

export interface RegistryOptions {
  /**
   * How long an app registration read from the database is reused. Every push reads its app
   * twice (when it is queued and when it is sent), and apps change rarely: a change made through
   * this instance applies at once, one made through another instance within this time.
   * An app not found is never remembered, so a new registration is seen at once everywhere.
   */
  appCacheMs?: number;
  now?: () => number;
}

/**
 * Apps by authorization code, and each recipient's devices and preferences. A recipient is
 * one document holding its devices by installation id, so routing reads one document by `_id`
 * and registering, updating or removing a device is one atomic write.
 */
export class RegistryRepository {
  private readonly apps: mongoose.mongo.Collection;
  private readonly recipients: mongoose.mongo.Collection;
  private readonly appCache = new Map<string, { app: App; until: number }>();
  private readonly appCacheMs: number;
  private readonly now: () => number;

  constructor(db: mongoose.mongo.Db, options: RegistryOptions = {}) {
    this.apps = db.collection('apps');
    this.recipients = db.collection('recipients');
    this.appCacheMs = options.appCacheMs ?? 0;
    this.now = options.now ?? Date.now;
  }

  async saveApp(app: App): Promise<{ created: boolean }> {
    const { appCode, ...rest } = app;
    this.appCache.delete(appCode);
    const result = await this.apps.replaceOne(
      { _id: appCode } as Doc,
      { ...rest, updatedAt: new Date() },
      { upsert: true },
    );
    this.appCache.delete(appCode);
    return { created: result.upsertedCount === 1 };
  }

  async app(appCode: string): Promise<App | undefined> {
    const cached = this.appCache.get(appCode);
    if (cached && cached.until > this.now()) return cached.app;
    const doc = await this.apps.findOne({ _id: appCode } as Doc);
    if (!doc) {
      this.appCache.delete(appCode);
      return undefined;
    }
    const { _id, updatedAt: _updated, ...rest } = doc;
    const app = { ...(rest as Omit<App, 'appCode'>), appCode: String(_id) };
    if (this.appCacheMs > 0) this.appCache.set(appCode, { app, until: this.now() + this.appCacheMs });
    return app;
  }

  /**
   * Registers or updates an installation for a recipient. An installation registered to someone
   * else moves here only when {@link mayMove} allows it (the same app and device token, or the same
   * principal); otherwise nothing changes and the answer is `refused`. The same app's token under
   * another installation id of this recipient (a reinstall) is the same device and is replaced.
   */
  async register(
    key: RecipientKey,
    device: Device & { registeredBy: NonNullable<Device['registeredBy']> },
  ): Promise<{ created: boolean } | { refused: true }> {
    const path = `devices.${device.installationId}`;
    const holders = await this.recipients
      .find({ _id: { $ne: key }, [path]: { $exists: true } } as Doc, { projection: { [path]: 1 } })
      .toArray();
    for (const holder of holders) {
      const held = (holder.devices as Record<string, Device>)[device.installationId];
      if (held && !mayMove(held, device, device.registeredBy)) return { refused: true };
    }
    for (const holder of holders) {
      const held = (holder.devices as Record<string, Device>)[device.installationId];
      // Only the registration that was checked: one changed meanwhile stays where it is.
      await this.recipients.updateOne(
        { _id: holder._id, [`${path}.token`]: held?.token, [`${path}.appCode`]: held?.appCode },
        { $unset: { [path]: '' }, $set: { updatedAt: new Date() } },
      );
    }
    const before = await this.recipients.findOneAndUpdate(
      { _id: key },
      { $set: { [`devices.${device.installationId}`]: device, updatedAt: new Date() }, $setOnInsert: { muted: [] } },
      { upsert: true, returnDocument: 'before' },
    );
    // The same app's token under another installation id (the app was reinstalled) is the same device.
    const stale = Object.values((before?.devices ?? {}) as Record<string, Device>).filter(
      (d) => d.installationId !== device.installationId && d.appCode === device.appCode && d.token === device.token,
    );
    if (stale.length > 0) {
      await this.recipients.updateOne(
        { _id: key },
        { $unset: Object.fromEntries(stale.map((d) => [`devices.${d.installationId}`, ''])) },
      );
    }
    return { created: !(before?.devices as Record<string, Device> | undefined)?.[device.installationId] };
  }

  async unregister(key: RecipientKey, installationId: string): Promise<boolean> {
    const result = await this.recipients.updateOne(
      { _id: key, [`devices.${installationId}`]: { $exists: true } },
      { $unset: { [`devices.${installationId}`]: '' }, $set: { updatedAt: new Date() } },
    );
    return result.modifiedCount === 1;
  }

  /** Removes a device the gateway called invalid, unless it has since been registered with a new token. */
  async prune(key: RecipientKey, installationId: string, token: string): Promise<boolean> {
    const result = await this.recipients.updateOne(
      { _id: key, [`devices.${installationId}.token`]: token },
      { $unset: { [`devices.${installationId}`]: '' }, $set: { updatedAt: new Date() } },
    );
    return result.modifiedCount === 1;
  }

  async setPreferences(
    key: RecipientKey,
    preferences: { muted: Category[]; locale?: Locale | undefined },
  ): Promise<void> {
    await this.recipients.updateOne(
      { _id: key },
      {
        $set: {
          muted: preferences.muted,
          updatedAt: new Date(),
          ...(preferences.locale ? { locale: preferences.locale } : {}),
        },
        $setOnInsert: { devices: {} },
      },
      { upsert: true },
    );
  }

  async recipient(key: RecipientKey): Promise<RecipientProfile> {
    return (await this.recipientsOf([key]))[0]!;
  }

  /** The profiles of several recipients in one read, in the order asked; one never registered has no devices. */
  async recipientsOf(keys: readonly RecipientKey[]): Promise<RecipientProfile[]> {
    const docs =
      keys.length === 0 ? [] : await this.recipients.find({ _id: { $in: [...new Set(keys)] } } as Doc).toArray();
    const byKey = new Map(docs.map((doc) => [String(doc._id), doc]));
    return keys.map((key) => {
      const doc = byKey.get(key);
      return {
        key,
        devices: Object.values((doc?.devices ?? {}) as Record<string, Device>),
        muted: (doc?.muted as Category[] | undefined) ?? [],
        ...(doc?.locale ? { locale: doc.locale as Locale } : {}),
      };
    });
  }
}
