import type { ApiErrorCode } from '../contract/api-error.js';
import type { IpcEvent } from '../contract/ipc.js';

/** Messages between main and the agent's utilityProcess (structured-cloned, no functions). */
export type ToAgent =
  | { readonly type: 'start'; readonly configPath: string; readonly apiKey: string | null; readonly logFile: string | null }
  | { readonly type: 'call'; readonly id: number; readonly channel: string; readonly args: unknown }
  | { readonly type: 'stop' };

export type FromAgent =
  | { readonly type: 'ready' }
  | { readonly type: 'fatal'; readonly message: string }
  | { readonly type: 'result'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly type: 'result'; readonly id: number; readonly ok: false; readonly code: ApiErrorCode; readonly message: string }
  | { readonly type: 'event'; readonly event: IpcEvent }
  | { readonly type: 'stopped' };
