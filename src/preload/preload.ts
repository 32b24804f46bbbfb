import { contextBridge } from 'electron';
import type { AgentApi, AgentEvents, EventName } from '../contract/agent-api.js';
import { callNames } from '../contract/ipc.js';
import { invoke, onAgentEvent } from './ipc.js';

/**
 * The windows' preload (sandboxed, bundled to one CommonJS file): exposes `window.dovetail` with
 * the AgentApi — one function per contract call, nothing else of Electron or Node — and
 * `subscribe`, the same shape as the console client's SSE subscription.
 */
const api = Object.fromEntries(callNames.map((channel) => [channel, (args: unknown) => invoke(channel, args)])) as unknown as AgentApi;

function subscribe(onEvent: <E extends EventName>(event: E, payload: AgentEvents[E]) => void, onConnection: (open: boolean) => void): () => void {
  const off = onAgentEvent((event) => onEvent(event.name, event.payload));
  onConnection(true);
  return off;
}

contextBridge.exposeInMainWorld('dovetail', { api, subscribe });
