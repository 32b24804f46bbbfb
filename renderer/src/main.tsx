import { render } from 'preact';
import { csrfToken, httpApi, subscribe } from './api/client.js';
import { App } from './app.js';
import './styles.css';

render(<App api={httpApi(csrfToken())} events={subscribe} />, document.getElementById('app')!);
