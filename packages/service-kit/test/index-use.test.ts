import { commandFilters, filterShape, servedByIndex } from '@orderpulse/service-kit';
import mongoose from 'mongoose';

// The rule is the local server's, as measured against it: equality on exactly a unique index's
// keys (or `_id`) is answered from the index; anything else reads the whole collection.
describe('which filters an index answers on the local server', () => {
  const unique = [['_id', 'version'], ['_id', 'status', 'tries'], ['activeKey']];

  test('equality on exactly the keys of _id or of a unique index, in any order, null included', () => {
    expect(servedByIndex({ _id: 'a' }, [])).toBe(true);
    expect(servedByIndex({ version: 3, _id: 'a' }, unique)).toBe(true);
    expect(servedByIndex({ _id: 'a', status: 'pending', tries: null }, unique)).toBe(true);
    expect(servedByIndex({ activeKey: 'k' }, unique)).toBe(true);
    // An ObjectId or an embedded document is a value, not an operator.
    expect(servedByIndex({ _id: new mongoose.Types.ObjectId() }, [])).toBe(true);
    expect(servedByIndex({ _id: { region: 'x', n: 1 } }, [])).toBe(true);
  });

  test('$in only on a one-field index', () => {
    expect(servedByIndex({ _id: { $in: ['a', 'b'] } }, [])).toBe(true);
    expect(servedByIndex({ _id: 'a', status: { $in: ['pending', 'sending'] }, tries: 0 }, unique)).toBe(false);
  });

  test('anything else is a scan: extra or missing fields, operators, ranges, no filter', () => {
    expect(servedByIndex({ _id: 'a', status: 'new' }, unique)).toBe(false);
    expect(servedByIndex({ _id: 'a', status: 'pending' }, unique)).toBe(false);
    expect(servedByIndex({ _id: 'a', outbox: { $size: 0 } }, unique)).toBe(false);
    expect(servedByIndex({ _id: { $gt: 'a' } }, [])).toBe(false);
    expect(servedByIndex({ $or: [{ _id: 'a' }, { _id: 'b' }] }, [])).toBe(false);
    expect(servedByIndex({ status: 'new' }, unique)).toBe(false);
    expect(servedByIndex({}, unique)).toBe(false);
  });

  test("each command's filters come from where the wire protocol puts them", () => {
    expect(commandFilters('find', { find: 'c', filter: { a: 1 } })).toEqual([{ a: 1 }]);
    expect(commandFilters('findAndModify', { findAndModify: 'c', query: { b: 2 } })).toEqual([{ b: 2 }]);
    expect(
      commandFilters('update', {
        update: 'c',
        updates: [
          { q: { c: 3 }, u: {} },
          { q: { d: 4 }, u: {} },
        ],
      }),
    ).toEqual([{ c: 3 }, { d: 4 }]);
    expect(commandFilters('delete', { delete: 'c', deletes: [{ q: { e: 5 }, limit: 1 }] })).toEqual([{ e: 5 }]);
    expect(
      commandFilters('aggregate', { aggregate: 'c', pipeline: [{ $match: { f: 6 } }, { $group: { _id: null } }] }),
    ).toEqual([{ f: 6 }]);
    expect(commandFilters('aggregate', { aggregate: 'c', pipeline: [{ $group: { _id: null } }] })).toEqual([{}]);
    expect(commandFilters('count', { count: 'c', query: { g: 7 } })).toEqual([{ g: 7 }]);
    expect(commandFilters('insert', { insert: 'c', documents: [{}] })).toEqual([]);
    expect(filterShape({ status: 1, _id: 2 })).toBe('_id,status');
  });
});
