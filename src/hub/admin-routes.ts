import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { adminPutBody, entityName, keyMismatch, rowKey, rowTooLarge } from '../protocol/index.js';
import { authenticate, requestKey, requireRole, requireScope } from './auth.js';
import { HubError } from './hub-error.js';
import type { CommittedChange, HubStore, WriteOutcome } from './hub-store.js';
import { parseOr400 } from './parse.js';

export interface AdminRouteOptions {
  readonly store: HubStore;
  readonly entities?: readonly string[];
  readonly onCommitted: (changes: readonly CommittedChange[]) => void;
}

const rowParams = z.strictObject({ scope: z.string().min(1).max(128), entity: entityName, key: rowKey });
const listParams = z.strictObject({ scope: z.string().min(1).max(128), entity: entityName });
const listQuery = z.strictObject({
  since: z.coerce.number().int().nonnegative().default(0),
  limit: z.coerce.number().int().positive().max(10_000).default(1000),
  deleted: z.enum(['0', '1', 'true', 'false']).optional(),
});
const deleteBody = z.strictObject({ baseVersion: z.number().int().nonnegative().optional() }).nullish();

/** Admin API for backend services: read and write rows of a scope, e.g. an ordering backend creating an order. */
export function registerAdminRoutes(app: FastifyInstance, opts: AdminRouteOptions): void {
  const { store } = opts;
  const known = opts.entities ? new Set(opts.entities) : null;

  const admit = async (requestKeyValue: unknown, scope: string, entity: string) => {
    const principal = await authenticate(store, requestKeyValue);
    requireRole(principal, 'admin');
    requireScope(principal, scope);
    if (known && !known.has(entity)) throw new HubError('unknown_entity', `unknown entity "${entity}"`);
    return principal;
  };
  const answer = (outcome: WriteOutcome) => {
    if (outcome.status === 'conflict') {
      throw new HubError('conflict', `row changed: current version is ${outcome.remote.version}`);
    }
    return { version: outcome.version };
  };

  app.put('/v1/admin/scopes/:scope/entities/:entity/rows/:key', async (request) => {
    const params = parseOr400(rowParams, request.params, 'path');
    const principal = await admit(requestKey(request), params.scope, params.entity);
    const body = parseOr400(adminPutBody, request.body, 'row body');
    const keyColumns = (await store.entityKeys(params.scope)).get(params.entity);
    const mismatch = keyColumns ? keyMismatch(params.key, keyColumns, body.data) : null;
    if (mismatch) throw new HubError('key_mismatch', mismatch.message);
    const tooLarge = rowTooLarge(body.data);
    if (tooLarge) throw new HubError('too_large', tooLarge);
    const { outcome, committed } = await store.adminWrite(params.scope, `admin:${principal.name}`, {
      entity: params.entity,
      key: params.key,
      op: 'upsert',
      data: body.data,
      // omitted = last writer wins; null = the row must not exist yet.
      baseVersion: body.baseVersion,
    });
    opts.onCommitted(committed);
    return answer(outcome);
  });

  app.delete('/v1/admin/scopes/:scope/entities/:entity/rows/:key', async (request) => {
    const params = parseOr400(rowParams, request.params, 'path');
    const principal = await admit(requestKey(request), params.scope, params.entity);
    const body = parseOr400(deleteBody, request.body, 'delete body');
    const { outcome, committed } = await store.adminWrite(params.scope, `admin:${principal.name}`, {
      entity: params.entity,
      key: params.key,
      op: 'delete',
      data: null,
      baseVersion: body?.baseVersion,
    });
    opts.onCommitted(committed);
    return answer(outcome);
  });

  app.get('/v1/admin/scopes/:scope/entities/:entity/rows/:key', async (request) => {
    const params = parseOr400(rowParams, request.params, 'path');
    await admit(requestKey(request), params.scope, params.entity);
    const row = await store.adminGet(params.scope, params.entity, params.key);
    if (!row) throw new HubError('not_found', `no row "${params.key}" in ${params.entity}`);
    return row;
  });

  app.get('/v1/admin/scopes/:scope/entities/:entity/rows', async (request) => {
    const params = parseOr400(listParams, request.params, 'path');
    await admit(requestKey(request), params.scope, params.entity);
    const query = parseOr400(listQuery, request.query, 'query');
    const includeDeleted = query.deleted === '1' || query.deleted === 'true';
    const rows = await store.adminList(params.scope, params.entity, { since: query.since, limit: query.limit, includeDeleted });
    return { rows };
  });
}
