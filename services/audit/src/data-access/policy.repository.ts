import { isDuplicateKey } from '@orderpulse/service-kit';
import type mongoose from 'mongoose';

import { type AuditPolicy, defaultPolicy } from '../domain/audit-policy';
import type { AccountDocking } from '../domain/docking';

type Doc = mongoose.mongo.Document;

export interface StoredPolicy {
  version: number;
  policy: AuditPolicy;
  updatedAt?: Date | undefined;
  updatedBy?: string | undefined;
}

/** The audit policy (one versioned document) and the docking people of customer accounts. */
export class PolicyRepository {
  private readonly settings: mongoose.mongo.Collection;
  private readonly accounts: mongoose.mongo.Collection;

  constructor(db: mongoose.mongo.Db) {
    this.settings = db.collection('settings');
    this.accounts = db.collection('accounts');
  }

  /** The policy in force: the last one saved, or the built-in default (version 0). */
  async current(): Promise<StoredPolicy> {
    const doc = await this.settings.findOne({ _id: 'policy' } as Doc);
    if (!doc) return { version: 0, policy: defaultPolicy };
    return {
      version: doc.version as number,
      policy: doc.policy as AuditPolicy,
      updatedAt: doc.updatedAt as Date,
      updatedBy: doc.updatedBy as string,
    };
  }

  /** Replaces the policy if it is still at `expectedVersion`; returns the new version, or undefined on a lost race. */
  async save(policy: AuditPolicy, expectedVersion: number, by: string, at: Date): Promise<number | undefined> {
    const next = expectedVersion + 1;
    const set = { policy, version: next, updatedAt: at, updatedBy: by };
    if (expectedVersion === 0) {
      try {
        await this.settings.insertOne({ _id: 'policy', ...set } as unknown as Doc);
        return next;
      } catch (error) {
        if (isDuplicateKey(error)) return undefined;
        throw error;
      }
    }
    const result = await this.settings.updateOne({ _id: 'policy', version: expectedVersion } as Doc, { $set: set });
    return result.modifiedCount === 1 ? next : undefined;
  }

  async account(customerAccount: string): Promise<AccountDocking | undefined> {
    const doc = await this.accounts.findOne({ _id: customerAccount } as Doc);
    if (!doc) return undefined;
    return {
      customerAccount,
      handlerId: doc.handlerId as string,
      ...(doc.leadId ? { leadId: doc.leadId as string } : {}),
    };
  }

  async saveAccount(docking: AccountDocking): Promise<{ created: boolean }> {
    const { customerAccount, ...rest } = docking;
    const result = await this.accounts.replaceOne({ _id: customerAccount } as Doc, rest, { upsert: true });
    return { created: result.upsertedCount === 1 };
  }

  async removeAccount(customerAccount: string): Promise<boolean> {
    return (await this.accounts.deleteOne({ _id: customerAccount } as Doc)).deletedCount === 1;
  }
}
