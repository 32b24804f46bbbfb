import { render } from 'preact';
import type { AgentApi } from '../../src/contract/agent-api.js';
import { csrfToken, httpApi, subscribe } from './api/client.js';
import { App } from './app.js';
import './styles.css';

/** In the desktop app the preload exposes the same AgentApi over IPC; in a browser, HTTP + SSE. */
const bridge = (window as { dovetail?: { api: AgentApi; subscribe: typeof subscribe } }).dovetail;

render(<App api={bridge?.api ?? httpApi(csrfToken())} events={bridge?.subscribe ?? subscribe} />, document.getElementById('app')!);
