import { ipcRenderer } from 'electron';
import type { Channel } from '../contract/agent-api.js';
import { IPC_EVENT_CHANNEL, ipcChannel, type IpcEvent, type IpcReply } from '../contract/ipc.js';

/** A failed call with the agent's error code, as the HTTP client's `CallError` carries it. */
export class BridgeError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'BridgeError';
  }
}

/** The one place the preload touches `ipcRenderer`: invoke a contract call, unwrap its reply. */
export async function invoke(channel: Channel, args: unknown): Promise<unknown> {
  const reply = (await ipcRenderer.invoke(ipcChannel(channel), args ?? {})) as IpcReply;
  if (reply.ok) return reply.value;
  throw new BridgeError(reply.error.code, reply.error.message);
}

/** Listens to the agent's pushed events; returns the unsubscribe. */
export function onAgentEvent(listener: (event: IpcEvent) => void): () => void {
  const wrapped = (_event: unknown, payload: IpcEvent) => listener(payload);
  ipcRenderer.on(IPC_EVENT_CHANNEL, wrapped);
  return () => {
    ipcRenderer.removeListener(IPC_EVENT_CHANNEL, wrapped);
  };
}
