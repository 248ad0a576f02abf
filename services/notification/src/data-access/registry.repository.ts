import type { Locale } from '@orderpulse/contracts';
import type mongoose from 'mongoose';

import type { Category } from '../domain/categories';
import type { RecipientKey } from '../domain/recipients';
import { type App, type Device, mayMove, type RecipientProfile } from '../domain/registry';
import type { RecipientChanges } from './recipient-changes';

type Doc = mongoose.mongo.Document;

export interface RegistryOptions {
  /**
   * How long an app registration read from the database is reused. Every push reads its app
   * twice (when it is queued and when it is sent), and apps change rarely: a change made through
   * this instance applies at once, one made through another instance within this time.
   * An app not found is never remembered, so a new registration is seen at once everywhere.
   */
  appCacheMs?: number;
  /**
   * How long a recipient's profile (devices, muted categories, locale) read from the database is
   * reused, in ms; 0, the default, reads it for every event. Every event reads each of its
   * recipients, and a recipient's registration changes rarely. Every change made through any
   * instance is told to all of them (`changes`) before it answers, and each forgets that
   * recipient; while an instance cannot hear those changes (its subscriber is away) it reuses
   * nothing, and it forgets everything when it hears again. A read that a change overtook is not
   * kept. So a device registered anywhere is seen by the next event routed after the
   * registration answered, give or take the pub/sub hop (milliseconds); this time only bounds what a change
   * lost in other ways would cost. Needs `changes`.
   */
  recipientCacheMs?: number;
  /** How many recipients' profiles are kept at most; the least recently used go first. 10,000 unless given. */
  maxCachedRecipients?: number;
  /** The change feed between instances; without it nothing is cached. */
  changes?: RecipientChanges;
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
  /** Profiles as last read, least recently used first (a Map keeps insertion order). */
  private readonly profiles = new Map<RecipientKey, { profile: RecipientProfile; until: number }>();
  /** Raised by every change heard: a read that began before one is not kept. */
  private generation = 0;
  private readonly recipientCacheMs: number;
  private readonly maxCachedRecipients: number;
  private readonly changes: RecipientChanges | undefined;

  constructor(db: mongoose.mongo.Db, options: RegistryOptions = {}) {
    this.apps = db.collection('apps');
    this.recipients = db.collection('recipients');
    this.appCacheMs = options.appCacheMs ?? 0;
    this.now = options.now ?? Date.now;
    this.changes = options.changes;
    this.recipientCacheMs = options.changes ? (options.recipientCacheMs ?? 0) : 0;
    this.maxCachedRecipients = options.maxCachedRecipients ?? 10_000;
    options.changes?.listen(
      (key) => this.forget(key),
      () => this.forget(),
    );
  }

  /** Drops what is remembered of `key`, or of everyone. */
  private forget(key?: RecipientKey): void {
    this.generation += 1;
    if (key === undefined) this.profiles.clear();
    else this.profiles.delete(key);
  }

  /**
   * After every write of a change to these recipients: forgotten here at once, and told to every
   * instance (waiting at most the change feed's publish time; a failure is logged, never thrown).
   */
  private async changed(...keys: RecipientKey[]): Promise<void> {
    for (const key of keys) this.forget(key);
    if (this.changes) await Promise.all(keys.map((key) => this.changes!.publish(key)));
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
    const moved: RecipientKey[] = [];
    for (const holder of holders) {
      const held = (holder.devices as Record<string, Device>)[device.installationId];
      // Only the registration that was checked: one changed meanwhile stays where it is.
      await this.recipients.updateOne(
        { _id: holder._id, [`${path}.token`]: held?.token, [`${path}.appCode`]: held?.appCode },
        { $unset: { [path]: '' }, $set: { updatedAt: new Date() } },
      );
      moved.push(String(holder._id) as RecipientKey);
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
    // Told once every write is done: the device is never left filed under nobody while Redis is slow.
    await this.changed(...moved, key);
    return { created: !(before?.devices as Record<string, Device> | undefined)?.[device.installationId] };
  }

  async unregister(key: RecipientKey, installationId: string): Promise<boolean> {
    const result = await this.recipients.updateOne(
      { _id: key, [`devices.${installationId}`]: { $exists: true } },
      { $unset: { [`devices.${installationId}`]: '' }, $set: { updatedAt: new Date() } },
    );
    if (result.modifiedCount === 1) await this.changed(key);
    return result.modifiedCount === 1;
  }

  /** Removes a device the gateway called invalid, unless it has since been registered with a new token. */
  async prune(key: RecipientKey, installationId: string, token: string): Promise<boolean> {
    const result = await this.recipients.updateOne(
      { _id: key, [`devices.${installationId}.token`]: token },
      { $unset: { [`devices.${installationId}`]: '' }, $set: { updatedAt: new Date() } },
    );
    if (result.modifiedCount === 1) await this.changed(key);
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
    await this.changed(key);
  }

  async recipient(key: RecipientKey): Promise<RecipientProfile> {
    return (await this.recipientsOf([key]))[0]!;
  }

  /**
   * The profiles of several recipients, in the order asked, those not remembered (see
   * `recipientCacheMs`) in one read; one never registered has no devices.
   */
  async recipientsOf(keys: readonly RecipientKey[]): Promise<RecipientProfile[]> {
    const now = this.now();
    const reuse = this.recipientCacheMs > 0 && this.changes?.live === true;
    const found = new Map<RecipientKey, RecipientProfile>();
    for (const key of new Set(keys)) {
      const kept = reuse ? this.profiles.get(key) : undefined;
      if (!kept || kept.until <= now) continue;
      // Used again: the most recently used go last.
      this.profiles.delete(key);
      this.profiles.set(key, kept);
      found.set(key, kept.profile);
    }
    const missing = [...new Set(keys)].filter((key) => !found.has(key));
    if (missing.length > 0) {
      const generation = this.generation;
      const docs = await this.recipients.find({ _id: { $in: missing } } as Doc).toArray();
      const byKey = new Map(docs.map((doc) => [String(doc._id), doc]));
      // A change heard while the read was out may have come after what it read: nothing of it is kept.
      const keep = reuse && generation === this.generation;
      for (const key of missing) {
        const profile = profileOf(key, byKey.get(key));
        found.set(key, profile);
        if (keep) this.remember(key, profile, now + this.recipientCacheMs);
      }
    }
    return keys.map((key) => found.get(key)!);
  }

  private remember(key: RecipientKey, profile: RecipientProfile, until: number): void {
    this.profiles.delete(key);
    this.profiles.set(key, { profile, until });
    if (this.profiles.size > this.maxCachedRecipients) this.profiles.delete(this.profiles.keys().next().value!);
  }
}

/** A recipient's profile from its stored document (none: never registered, no devices). */
function profileOf(key: RecipientKey, doc: Doc | undefined): RecipientProfile {
  return {
    key,
    devices: Object.values((doc?.devices ?? {}) as Record<string, Device>),
    muted: (doc?.muted as Category[] | undefined) ?? [],
    ...(doc?.locale ? { locale: doc.locale as Locale } : {}),
  };
}
