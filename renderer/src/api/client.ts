import type { AgentApi, AgentEvents, EventName } from '../../../src/contract/agent-api.js';
import type { ApiErrorBody } from '../../../src/contract/api-error.js';

/** A failed call, with the server's code and message (shown to the person as text). */
export class CallError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The AgentApi over the console's HTTP API: `POST /api/<call>` with the session cookie and the
 * page's CSRF token. A Proxy turns each property into its call, so no channel list lives here.
 */
export function httpApi(csrf: string): AgentApi {
  const call = async (channel: string, args: unknown): Promise<unknown> => {
    const response = await fetch(`/api/${encodeURIComponent(channel)}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-dovetail-csrf': csrf },
      body: JSON.stringify(args ?? {}),
    });
    const body = (await response.json().catch(() => null)) as unknown;
    if (!response.ok) {
      const error = (body as ApiErrorBody | null)?.error;
      throw new CallError(response.status, error?.code ?? 'internal', error?.message ?? `HTTP ${response.status}`);
    }
    return body;
  };
  return new Proxy({} as AgentApi, {
    // `then` must stay undefined, or the proxy would look like a promise.
    get: (_target, name) => (typeof name === 'string' && name !== 'then' ? (args: unknown) => call(name, args) : undefined),
  });
}

export type EventHandler = <E extends EventName>(event: E, payload: AgentEvents[E]) => void;

/** The agent's push events over SSE; EventSource reconnects by itself. Returns the close. */
export function subscribe(onEvent: EventHandler, onConnection: (open: boolean) => void): () => void {
  const source = new EventSource('/api/events');
  // A record over EventName: the typecheck fails when an event is added to the contract and not here.
  const events: Record<EventName, true> = { status: true, runFinished: true };
  for (const name of Object.keys(events) as EventName[]) {
    source.addEventListener(name, (message) => onEvent(name, JSON.parse((message as MessageEvent<string>).data) as AgentEvents[typeof name]));
  }
  source.onopen = () => onConnection(true);
  source.onerror = () => onConnection(false);
  return () => source.close();
}

export function csrfToken(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="dovetail-csrf"]')?.content ?? '';
}
