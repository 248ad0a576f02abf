/**
 * Which MongoDB commands a server can answer without reading the whole collection — as the local
 * wire-compatible server decides it (mongo-java-server: an index serves a query only when the
 * query's top-level fields are exactly the index's keys, each matched by equality (`$in` too, on
 * a one-field index), and only `_id` and unique indexes serve at all; anything else is a scan that holds the collection's
 * writes while it runs). MongoDB itself also uses non-unique indexes and ranges, so a filter this
 * calls a scan may be indexed there; one it calls served is indexed on both.
 */

type Doc = Record<string, unknown>;

const isDoc = (value: unknown): value is Doc =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
/** A query operator document (`{ $in: … }`, `{ $gt: … }`): its keys start with `$`. An ObjectId or an embedded document is a plain value. */
const isOperators = (value: unknown): value is Doc => isDoc(value) && Object.keys(value).some((k) => k.startsWith('$'));

/**
 * The filters a command carries, from its wire form (MongoDB's command reference): `find`,
 * `count` and `distinct` one (`filter` / `query`); `update` and `delete` one per statement (`q`);
 * `findAndModify` its `query`; `aggregate` its leading `$match` (or `{}`, a scan, when it has none).
 * Commands that read no documents by filter (`insert`, `getMore`, `createIndexes`, …) carry none.
 */
export function commandFilters(commandName: string, command: Doc): Doc[] {
  const asDoc = (value: unknown): Doc => (isDoc(value) ? value : {});
  switch (commandName) {
    case 'find':
      return [asDoc(command.filter)];
    case 'count':
    case 'distinct':
      return [asDoc(command.query)];
    case 'findAndModify':
      return [asDoc(command.query)];
    case 'update':
      return Array.isArray(command.updates) ? command.updates.map((u) => asDoc(isDoc(u) ? u.q : undefined)) : [];
    case 'delete':
      return Array.isArray(command.deletes) ? command.deletes.map((d) => asDoc(isDoc(d) ? d.q : undefined)) : [];
    case 'aggregate': {
      const first: unknown = Array.isArray(command.pipeline) ? command.pipeline[0] : undefined;
      return [isDoc(first) && isDoc(first.$match) ? first.$match : {}];
    }
    default:
      return [];
  }
}

/** A filter's top-level fields, sorted and joined by `,` (`''` for `{}`): the label a scan is counted under. */
export function filterShape(filter: Doc): string {
  return Object.keys(filter).sort().join(',');
}

/**
 * Whether an index answers `filter` on the local server: its fields are exactly the keys of one
 * of `uniqueKeys` (each a unique index's fields; `_id` is always one), none is an operator
 * (`$or`, `$and`, …), and each value is a plain value (null included), or `{ $in: [...] }` when
 * the index has one field (a compound index with `$in` is a scan, as measured on the server).
 */
export function servedByIndex(filter: Doc, uniqueKeys: readonly (readonly string[])[]): boolean {
  const fields = Object.keys(filter);
  if (fields.length === 0 || fields.some((f) => f.startsWith('$'))) return false;
  const equality = fields.every((f) => {
    const value = filter[f];
    if (!isOperators(value)) return true;
    const operators = Object.keys(value);
    return fields.length === 1 && operators.length === 1 && operators[0] === '$in' && Array.isArray(value.$in);
  });
  if (!equality) return false;
  const shape = filterShape(filter);
  return [['_id'], ...uniqueKeys].some((keys) => [...keys].sort().join(',') === shape);
}
