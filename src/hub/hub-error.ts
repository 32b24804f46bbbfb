import { HUB_ERRORS, type HubErrorCode } from '../protocol/index.js';

/** A coded failure the hub answers as `{ error: { code, message } }` with the code's HTTP status. */
export class HubError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: HubErrorCode,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.statusCode = HUB_ERRORS[code];
  }
}

/** Maps anything thrown inside a request (ours, Fastify's, a driver's) to a coded error. */
export function toHubError(error: unknown): HubError {
  if (error instanceof HubError) return error;
  const e = error as { statusCode?: number; code?: string; message?: string };
  const status = e.statusCode ?? 500;
  const message = e.message ?? 'unexpected error';
  if (status === 413) return new HubError('too_large', message);
  if (status === 429) return new HubError('rate_limited', message);
  if (e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (error instanceof SyntaxError && status === 400)) {
    return new HubError('invalid_json', `request body is not valid JSON: ${message}`);
  }
  if (e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return new HubError('invalid_json', message);
  if (status >= 400 && status < 500) return new HubError('bad_request', message);
  return new HubError('internal', 'internal error');
}
