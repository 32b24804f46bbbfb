import type { ServerResponse } from 'node:http';
import type { EventName } from '../contract/agent-api.js';
import type { AgentService } from '../service/agent-service.js';

/**
 * Server-Sent Events: each browser tab gets the agent's push events (`status`, `runFinished`) as
 * `event: NAME` / `data: JSON`, the current status first, and a comment every 15 s to keep
 * proxies and sleeping laptops honest. `closeAll` ends every stream (server shutdown).
 */
export class EventStreams {
  private readonly open = new Set<ServerResponse>();

  constructor(private readonly service: AgentService) {}

  attach(res: ServerResponse, headers: Record<string, string>): void {
    res.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
    const send = (event: EventName, payload: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`);
    send('status', this.service.snapshot());
    const offs = [this.service.on('status', (s) => send('status', s)), this.service.on('runFinished', (r) => send('runFinished', r))];
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    this.open.add(res);
    res.on('close', () => {
      clearInterval(ping);
      offs.forEach((off) => off());
      this.open.delete(res);
    });
  }

  closeAll(): void {
    for (const res of this.open) res.end();
  }
}
