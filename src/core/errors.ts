/** Stable codes for the engine's real failures (expected outcomes are data, not errors). */
export type SyncErrorCode =
  | 'config'
  | 'network'
  | 'timeout'
  | 'auth'
  | 'forbidden'
  | 'rate_limited'
  | 'server'
  | 'bad_response'
  | 'rejected'
  | 'protocol'
  | 'database'
  | 'busy'
  | 'schema'
  | 'canceled';

export class SyncError extends Error {
  constructor(
    readonly code: SyncErrorCode,
    message: string,
    readonly extra: { readonly cause?: unknown; readonly status?: number; readonly retryAfterMs?: number } = {},
  ) {
    super(message, { cause: extra.cause });
    this.name = 'SyncError';
  }

  /** Worth trying again later without anyone changing anything. */
  get transient(): boolean {
    return ['network', 'timeout', 'rate_limited', 'server'].includes(this.code);
  }
}

export class ConfigError extends SyncError {
  constructor(message: string) {
    super('config', message);
    this.name = 'ConfigError';
  }
}

/** One line for a log or a terminal, whatever was thrown. */
export function describeError(error: unknown): string {
  if (error instanceof SyncError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}
