import type { Channel, EventName, AgentEvents } from './agent-api.js';
import type { ApiErrorBody } from './api-error.js';

/**
 * How the AgentApi travels over Electron IPC (main ↔ preload): one invoke channel per call,
 * named from the contract's keys, one event channel. Both sides import these; nobody writes a
 * channel name by hand.
 */
export function ipcChannel(channel: Channel): `agent:${Channel}` {
  return `agent:${channel}`;
}

export const IPC_EVENT_CHANNEL = 'agent:event';

/** A call's answer over IPC: Electron would keep only an Error's message, so the code travels as data. */
export type IpcReply = { readonly ok: true; readonly value: unknown } | ({ readonly ok: false } & ApiErrorBody);

export type IpcEvent = { [E in EventName]: { readonly name: E; readonly payload: AgentEvents[E] } }[EventName];

/**
 * The call names without zod, for the preload bundle (a sandboxed preload is one small file).
 * Typed as a record over the interface's keys: a call missing or extra fails the typecheck.
 */
const CALLS: { readonly [C in Channel]: true } = {
  status: true,
  syncNow: true,
  cancel: true,
  pause: true,
  resume: true,
  outbox: true,
  retryOutbox: true,
  discardOutbox: true,
  runs: true,
  run: true,
  conflicts: true,
  conflict: true,
  resolveConflict: true,
  resolveEntity: true,
  getStartAtLogin: true,
  setStartAtLogin: true,
  exportDiagnostics: true,
};
export const callNames = Object.keys(CALLS) as Channel[];
