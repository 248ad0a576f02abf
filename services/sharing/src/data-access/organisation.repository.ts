import { asTenant, type TenantId } from '@orderpulse/service-kit';
import type mongoose from 'mongoose';

import type { Member, Organisation } from '../domain/guarantee-order';

type Db = mongoose.mongo.Db;
type Doc = mongoose.mongo.Document;

const memberKey = (orgId: TenantId, memberId: string) => `${orgId}:${memberId}`;

function toOrganisation(doc: Doc | null): Organisation | undefined {
  if (!doc) return undefined;
  return {
    orgId: asTenant(String(doc._id)),
    name: doc.name as string,
    locale: doc.locale as Organisation['locale'],
    active: doc.active as boolean,
  };
}

function toMember(doc: Doc | null): Member | undefined {
  if (!doc) return undefined;
  return {
    orgId: asTenant(doc.orgId as string),
    memberId: doc.memberId as string,
    name: doc.name as string,
    role: doc.role as Member['role'],
    active: doc.active as boolean,
  };
}

/**
 * Organisations and their members. A member is one document keyed by organisation and member,
 * so the membership check every request makes is a lookup by `_id`.
 */
export class OrganisationRepository {
  private readonly organisations: mongoose.mongo.Collection;
  private readonly members: mongoose.mongo.Collection;

  constructor(db: Db) {
    this.organisations = db.collection('organisations');
    this.members = db.collection('members');
  }

  async createIndexes(): Promise<void> {
    await this.members.createIndex({ orgId: 1 }, { name: 'by_organisation' });
  }

  /** Creates or replaces an organisation; says whether it is new. */
  async saveOrganisation(org: Organisation, now: Date): Promise<boolean> {
    const { orgId, ...rest } = org;
    const result = await this.organisations.updateOne(
      { _id: orgId },
      { $set: { ...rest, updatedAt: now }, $setOnInsert: { createdAt: now } },
      { upsert: true },
    );
    return result.upsertedCount === 1;
  }

  async organisation(orgId: TenantId): Promise<Organisation | undefined> {
    return toOrganisation(await this.organisations.findOne({ _id: orgId } as Doc));
  }

  /** Creates or replaces a member of an organisation; says whether it is new. */
  async saveMember(member: Member, now: Date): Promise<boolean> {
    const result = await this.members.updateOne(
      { _id: memberKey(member.orgId, member.memberId) } as Doc,
      { $set: { ...member, updatedAt: now }, $setOnInsert: { createdAt: now } },
      { upsert: true },
    );
    return result.upsertedCount === 1;
  }

  async member(orgId: TenantId, memberId: string): Promise<Member | undefined> {
    return toMember(await this.members.findOne({ _id: memberKey(orgId, memberId) } as Doc));
  }

  async membersOf(orgId: TenantId, limit: number): Promise<Member[]> {
    const docs = await this.members.find({ orgId }).sort({ memberId: 1 }).limit(limit).toArray();
    return docs.map((d) => toMember(d) as Member);
  }
}
