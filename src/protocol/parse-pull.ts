import { pullResponse, type PullResponse } from './wire.js';

const OPS = new Set(['upsert', 'delete']);

/**
 * Validates a pull page like `pullResponse` does, in one tight loop: pages carry thousands of
 * rows and a schema walk per row costs more than applying them. On any doubt it defers to zod,
 * whose message names the bad path.
 */
export function checkPullResponse(body: unknown): { ok: true; page: PullResponse } | { ok: false; error: ReturnType<typeof pullResponse.safeParse>['error'] } {
  if (fastValid(body)) return { ok: true, page: body };
  const parsed = pullResponse.safeParse(body);
  return parsed.success ? { ok: true, page: parsed.data } : { ok: false, error: parsed.error };
}

function fastValid(body: unknown): body is PullResponse {
  if (typeof body !== 'object' || body === null) return false;
  const b = body as Record<string, unknown>;
  if (Object.keys(b).length !== 3 || !Number.isSafeInteger(b.cursor) || (b.cursor as number) < 0 || typeof b.hasMore !== 'boolean') return false;
  if (!Array.isArray(b.changes)) return false;
  for (const c of b.changes as unknown[]) {
    if (typeof c !== 'object' || c === null) return false;
    const x = c as Record<string, unknown>;
    if (
      !Number.isSafeInteger(x.cursor) ||
      (x.cursor as number) < 1 ||
      !Number.isSafeInteger(x.version) ||
      (x.version as number) < 1 ||
      typeof x.key !== 'string' ||
      x.key.length === 0 ||
      x.key.length > 512 ||
      !OPS.has(x.op as string) ||
      typeof x.origin !== 'string' ||
      !(x.data === null || (typeof x.data === 'object' && !Array.isArray(x.data))) ||
      Object.keys(x).length !== 6
    ) {
      return false;
    }
  }
  return true;
}
