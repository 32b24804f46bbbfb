import axios, { AxiosError, type AxiosInstance } from 'axios';
import axiosRetry, { isNetworkError, isRetryableError } from 'axios-retry';
import type { z } from 'zod';
import {
  API_KEY_HEADER,
  PROTOCOL_HEADER,
  PROTOCOL_VERSION,
  describeIssues,
  errorBody,
  hubStatus,
  checkPullResponse,
  declareEntitiesResponse,
  pushResponse,
  type DeclareEntitiesResponse,
  type EntityDeclaration,
  type HubStatus,
  type PullResponse,
  type PushChange,
  type PushResponse,
} from '../protocol/index.js';
import { backoffMs, parseRetryAfter } from './backoff.js';
import { SyncError } from './errors.js';
import { tlsProblem } from './tls-problem.js';

export interface HubClientOptions {
  readonly url: string;
  readonly apiKey: string;
  /** Per attempt, in ms (default 30 s). */
  readonly timeoutMs?: number;
  /** Quick retries for blips; the agent's loop owns long back-off (default 3). */
  readonly retries?: number;
  readonly retryBaseMs?: number;
  /** A Retry-After longer than this is left to the agent's loop (default 30 s). */
  readonly maxRetryAfterMs?: number;
  readonly maxResponseBytes?: number;
  readonly onRetry?: (attempt: number, error: SyncError) => void;
}

/** The hub's protocol v1 over HTTPS. Failures are SyncErrors; responses are validated before use. */
export class HubClient {
  private readonly http: AxiosInstance;

  constructor(private readonly opts: HubClientOptions) {
    this.http = axios.create({
      baseURL: opts.url,
      timeout: opts.timeoutMs ?? 30_000,
      maxContentLength: opts.maxResponseBytes ?? 256 * 1024 * 1024,
      maxBodyLength: 64 * 1024 * 1024,
      maxRedirects: 0,
      headers: { [API_KEY_HEADER]: opts.apiKey, [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) },
      transitional: { clarifyTimeoutError: true },
    });
    const maxRetryAfterMs = opts.maxRetryAfterMs ?? 30_000;
    axiosRetry(this.http, {
      retries: opts.retries ?? 3,
      shouldResetTimeout: true,
      // Push is safe to retry: the hub answers a replayed seq with its stored result.
      retryCondition: (error) => {
        // A certificate is not fixed within seconds: fail at once, the agent's loop tries later.
        if (tlsProblem(error)) return false;
        if (!(isNetworkError(error) || isRetryableError(error) || error.code === 'ETIMEDOUT')) return false;
        const retryAfter = parseRetryAfter(error.response?.headers['retry-after']);
        return retryAfter === undefined || retryAfter <= maxRetryAfterMs;
      },
      retryDelay: (attempt, error) => {
        const retryAfter = parseRetryAfter(error.response?.headers['retry-after']);
        return Math.max(retryAfter ?? 0, backoffMs(attempt, { baseMs: opts.retryBaseMs ?? 250, maxMs: 5000 }));
      },
      onRetry: (attempt, error) => opts.onRetry?.(attempt, toSyncError(error)),
    });
  }

  get url(): string {
    return this.opts.url;
  }

  status(): Promise<HubStatus> {
    return this.request(hubStatus, { method: 'GET', url: '/v1/status' });
  }

  /**
   * Tells the hub the key columns of this node's entities (`PUT /v1/entities`), so it can refuse
   * writes whose data names another row than their key. Null when the hub is older and does not
   * know the endpoint (404): it then checks nothing, and the agent still refuses such changes.
   */
  async declareEntities(entities: readonly EntityDeclaration[]): Promise<DeclareEntitiesResponse | null> {
    try {
      return await this.request(declareEntitiesResponse, { method: 'PUT', url: '/v1/entities', data: { entities } });
    } catch (error) {
      if (error instanceof SyncError && error.extra.status === 404) return null;
      throw error;
    }
  }

  push(source: string, changes: readonly PushChange[]): Promise<PushResponse> {
    return this.request(pushResponse, {
      method: 'POST',
      url: '/v1/push',
      data: { protocol: PROTOCOL_VERSION, source, changes },
    });
  }

  async pull(entity: string, since: number, limit: number, signal?: AbortSignal): Promise<PullResponse> {
    const body = await this.raw({ method: 'GET', url: '/v1/pull', params: { entity, since, limit }, signal });
    const checked = checkPullResponse(body);
    if (!checked.ok) throw badResponse('GET /v1/pull', checked.error);
    return checked.page;
  }

  private async raw(config: RequestConfig): Promise<unknown> {
    try {
      return (await this.http.request(config)).data;
    } catch (error) {
      throw toSyncError(error);
    }
  }

  private async request<T extends z.ZodType>(schema: T, config: RequestConfig): Promise<z.infer<T>> {
    const parsed = schema.safeParse(await this.raw(config));
    if (!parsed.success) throw badResponse(`${config.method} ${config.url}`, parsed.error);
    return parsed.data;
  }
}

interface RequestConfig {
  readonly method: string;
  readonly url: string;
  readonly data?: unknown;
  readonly params?: object;
  readonly signal?: AbortSignal;
}

function badResponse(what: string, error: z.ZodError | undefined): SyncError {
  const detail = error ? describeIssues(error).slice(0, 500) : 'unreadable body';
  return new SyncError('bad_response', `hub answered ${what} with an unexpected body: ${detail}`);
}

/** Classifies an axios failure: network, timeout, auth, rate limit, server or a rejected request. */
export function toSyncError(error: unknown): SyncError {
  if (error instanceof SyncError) return error;
  if (!(error instanceof AxiosError)) {
    const tls = tlsProblem(error);
    return new SyncError('network', tls ?? (error as Error).message ?? String(error), { cause: error });
  }
  const where = `${error.config?.method?.toUpperCase() ?? ''} ${error.config?.url ?? ''}`.trim();
  if (error.code === 'ERR_CANCELED') return new SyncError('canceled', `${where} canceled`, { cause: error });
  if (!error.response) {
    // A TLS failure (a certificate the agent cannot trust, no TLS on that port): said in words, with
    // the fix. Still `network`, transient: the outbox keeps every change, and a certificate fixed on
    // the hub is picked up by the agent's next automatic retry without a restart.
    const tls = tlsProblem(error);
    if (tls) return new SyncError('network', `${where}: ${tls}`, { cause: error });
    const timeout = error.code === 'ETIMEDOUT' || error.code === 'ECONNABORTED';
    return new SyncError(timeout ? 'timeout' : 'network', `${where}: ${error.code ?? ''} ${error.message}`.trim(), { cause: error });
  }
  const status = error.response.status;
  // A success whose body was cut (the link died while it streamed): the hub may have done the
  // work, so this is a network failure to retry, never a refusal.
  if (status < 400) return new SyncError('network', `${where}: answer cut off (HTTP ${status}): ${error.code ?? ''} ${error.message}`.trim(), { cause: error });
  const parsed = errorBody.safeParse(error.response.data);
  const detail = parsed.success ? `${parsed.data.error.code}: ${parsed.data.error.message}` : `HTTP ${status}`;
  const message = `hub refused ${where}: ${detail}`;
  const retryAfterMs = parseRetryAfter(error.response.headers['retry-after']);
  if (status === 401) return new SyncError('auth', message, { status, cause: error });
  if (status === 403) return new SyncError('forbidden', message, { status, cause: error });
  if (status === 429) return new SyncError('rate_limited', message, { status, retryAfterMs, cause: error });
  if (status >= 500) return new SyncError('server', message, { status, retryAfterMs, cause: error });
  if (parsed.success && parsed.data.error.code === 'protocol_mismatch') return new SyncError('protocol', message, { status, cause: error });
  return new SyncError('rejected', message, { status, cause: error });
}
