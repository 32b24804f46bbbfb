import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import type { AgentApi } from '../contract/agent-api.js';
import { ApiError } from '../contract/api-error.js';
import { channels } from '../contract/channels.js';
import { dispatch } from '../contract/dispatch.js';
import { IPC_EVENT_CHANNEL, ipcChannel, type IpcEvent, type IpcReply } from '../contract/ipc.js';
import { isAppUrl } from './security.js';

/**
 * The one place main touches `ipcMain`: every AgentApi call gets a handler on its own channel
 * (named from the contract), which refuses a sender that is not the main frame of one of our
 * windows showing our `app://` page, zod-parses the argument (`dispatch`), and answers with an
 * `IpcReply` so the error code survives the trip. Returns the unregister.
 */
export function handleAgentApi(api: AgentApi, ownWindows: () => readonly WebContents[]): () => void {
  for (const channel of channels) {
    ipcMain.handle(ipcChannel(channel), async (event: IpcMainInvokeEvent, raw: unknown): Promise<IpcReply> => {
      if (!isTrustedSender(event, ownWindows())) {
        return { ok: false, error: { code: 'forbidden', message: `${channel}: refused a call from a foreign frame` } };
      }
      try {
        return { ok: true, value: await dispatch(api, channel, raw) };
      } catch (error) {
        if (error instanceof ApiError) return { ok: false, error: { code: error.code, message: error.message } };
        return { ok: false, error: { code: 'internal', message: error instanceof Error ? error.message : String(error) } };
      }
    });
  }
  return () => {
    for (const channel of channels) ipcMain.removeHandler(ipcChannel(channel));
  };
}

/** The sender is the top frame of one of our windows, showing one of our pages. */
export function isTrustedSender(event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>, own: readonly WebContents[]): boolean {
  const frame = event.senderFrame;
  if (!frame || !own.includes(event.sender)) return false;
  if (frame !== event.sender.mainFrame) return false;
  return isAppUrl(frame.url);
}

/** Pushes an agent event to a window (the preload hands it to the renderer's subscriber). */
export function sendAgentEvent(contents: WebContents, event: IpcEvent): void {
  if (!contents.isDestroyed()) contents.send(IPC_EVENT_CHANNEL, event);
}
