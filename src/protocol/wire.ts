import { z } from 'zod';

/** Protocol version spoken by this build; sent as `X-Dovetail-Protocol` and in every push. */
export const PROTOCOL_VERSION = 1;
export const PROTOCOL_HEADER = 'x-dovetail-protocol';
export const API_KEY_HEADER = 'x-api-key';

/** Entity names: what both sides use to name a synced table. */
export const entityName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,62}$/, 'expected lowercase letters, digits and _ (max 63), starting with a letter');

/** A row key as text: a single key column's value, or a JSON array for a composite key. */
export const rowKey = z.string().min(1).max(512);

/** A row's fields: a flat JSON object. */
export const rowData = z.record(z.string().max(128), z.unknown());
export type RowData = z.infer<typeof rowData>;

export const changeOp = z.enum(['upsert', 'delete']);
export type ChangeOp = z.infer<typeof changeOp>;

export const pushChange = z.strictObject({
  seq: z.number().int().positive(),
  entity: entityName,
  key: rowKey,
  op: changeOp,
  data: rowData.nullable(),
  /** Hub version the change was made on; null when the row was never synced (an insert). */
  baseVersion: z.number().int().nonnegative().nullable(),
});
export type PushChange = z.infer<typeof pushChange>;

export const pushRequest = z.strictObject({
  protocol: z.literal(PROTOCOL_VERSION),
  /** Random id of the node's outbox; seqs are unique within it. */
  source: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
  changes: z.array(pushChange).min(1),
});
export type PushRequest = z.infer<typeof pushRequest>;

export const pushResult = z.discriminatedUnion('status', [
  z.strictObject({ seq: z.number().int(), status: z.literal('applied'), version: z.number().int() }),
  z.strictObject({
    seq: z.number().int(),
    status: z.literal('conflict'),
    /** The hub's current row: data null when it is deleted or absent. */
    remote: z.strictObject({
      data: rowData.nullable(),
      version: z.number().int(),
      deleted: z.boolean(),
      /** When the hub's row last changed (hub clock), for newest-wins. */
      updatedAt: z.string().optional(),
    }),
  }),
  z.strictObject({
    seq: z.number().int(),
    status: z.literal('rejected'),
    error: z.strictObject({ code: z.string(), message: z.string() }),
  }),
]);
export type PushResult = z.infer<typeof pushResult>;

export const pushResponse = z.strictObject({ results: z.array(pushResult) });
export type PushResponse = z.infer<typeof pushResponse>;

export const pullQuery = z.strictObject({
  entity: entityName,
  since: z.coerce.number().int().nonnegative().default(0),
  limit: z.coerce.number().int().positive().default(1000),
});
export type PullQuery = z.infer<typeof pullQuery>;

export const pulledChange = z.strictObject({
  cursor: z.number().int().positive(),
  key: rowKey,
  op: changeOp,
  data: rowData.nullable(),
  version: z.number().int().positive(),
  /** Who wrote it: `node:<id>` or `admin:<id>`. */
  origin: z.string(),
});
export type PulledChange = z.infer<typeof pulledChange>;

export const pullResponse = z.strictObject({
  changes: z.array(pulledChange),
  cursor: z.number().int().nonnegative(),
  hasMore: z.boolean(),
});
export type PullResponse = z.infer<typeof pullResponse>;

export const hubStatus = z.strictObject({
  protocol: z.number().int(),
  node: z.string(),
  scope: z.string(),
  head: z.number().int().nonnegative(),
  serverTime: z.string(),
  entities: z.array(z.strictObject({ entity: z.string(), rows: z.number().int(), head: z.number().int() })),
});
export type HubStatus = z.infer<typeof hubStatus>;

export const errorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
export type ErrorBody = z.infer<typeof errorBody>;

/** Admin API: write one row of a scope's entity. */
export const adminPutBody = z.strictObject({
  data: rowData,
  /** Optional optimistic check; omitted = last writer wins. */
  baseVersion: z.number().int().nonnegative().nullable().optional(),
});
export type AdminPutBody = z.infer<typeof adminPutBody>;

export const adminRow = z.strictObject({
  key: rowKey,
  data: rowData.nullable(),
  version: z.number().int(),
  deleted: z.boolean(),
  origin: z.string(),
  updatedAt: z.string(),
});
export type AdminRow = z.infer<typeof adminRow>;

/** A key column name, as a node declares it. */
export const columnName = z.string().min(1).max(128);

/** One entity's key columns, in key order: a composite row key is a JSON array of their values in this order. */
export const entityDeclaration = z.strictObject({
  entity: entityName,
  key: z
    .array(columnName)
    .min(1)
    .max(16)
    .refine((cols) => new Set(cols).size === cols.length, 'key columns must be distinct'),
});
export type EntityDeclaration = z.infer<typeof entityDeclaration>;

/** `PUT /v1/entities`: a node tells the hub its entities' key columns, so the hub can check that data agrees with keys. */
export const declareEntitiesRequest = z.strictObject({ entities: z.array(entityDeclaration).max(1000) });
export type DeclareEntitiesRequest = z.infer<typeof declareEntitiesRequest>;

export const declareEntitiesResponse = z.strictObject({
  /** Entities whose key columns the hub now holds for the node's scope. */
  declared: z.array(z.string()),
  /** Entities the hub does not serve (it was started with an entity list): not stored. */
  ignored: z.array(z.string()),
});
export type DeclareEntitiesResponse = z.infer<typeof declareEntitiesResponse>;

/** Turns zod issues into one line that names each bad path. */
export function describeIssues(error: z.ZodError, root = ''): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.reduce<string>(
        (acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)),
        root,
      );
      return `${path || '(root)'}: ${issue.message}`;
    })
    .join('; ');
}
