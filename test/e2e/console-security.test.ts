import { request } from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { test } from '../helpers/fixtures.js';
import { launchChromium } from './browser.js';
import { startConsoleRig, type ConsoleRig } from './console-harness.js';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** A raw HTTP request (node:http lets a test send any Host header, as a DNS-rebinding page would). */
function send(rig: ConsoleRig, path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: rig.server.port, path, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Logs in with a fresh one-time link; returns the session cookie and the page's CSRF token. */
async function login(rig: ConsoleRig): Promise<{ cookie: string; csrf: string }> {
  const answer = await send(rig, rig.server.console!.loginPath(), { headers: { host: `127.0.0.1:${rig.server.port}` } });
  expect(answer.status).toBe(303);
  const setCookie = String(answer.headers['set-cookie']);
  expect(setCookie).toMatch(/HttpOnly/);
  expect(setCookie).toMatch(/SameSite=Strict/);
  const cookie = setCookie.split(';')[0]!;
  const page = await send(rig, '/', { headers: { host: `127.0.0.1:${rig.server.port}`, cookie } });
  expect(page.status).toBe(200);
  const csrf = /name="dovetail-csrf" content="([^"]+)"/.exec(page.body)![1]!;
  return { cookie, csrf };
}

/**
 * The console's refusals: no session, a foreign Host (DNS rebinding), a foreign Origin, a missing
 * or wrong CSRF token — each refused with 401/403 and nothing changed. One-time tokens work once.
 */
describe('console security', { timeout: 60_000 }, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  test('requests without the session, with a foreign Host or Origin, or without the CSRF token change nothing', async ({ dir }) => {
    const rig = await startConsoleRig(dir);
    try {
      const host = `127.0.0.1:${rig.server.port}`;
      const { cookie, csrf } = await login(rig);
      const pause = (headers: Record<string, string>) =>
        send(rig, '/api/pause', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ for: '1h' }) });
      const good = { host, cookie, origin: `http://${host}`, 'x-dovetail-csrf': csrf };
      const { cookie: _c, ...noSession } = good;
      const { 'x-dovetail-csrf': _x, ...noCsrf } = good;
      const { origin: _o, ...noOrigin } = good;
      const refusals: [string, Record<string, string>, number][] = [
        ['no session', noSession, 401],
        ['a stale session', { ...good, cookie: `${cookie.split('=')[0]}=forged` }, 401],
        ['a foreign Host', { ...good, host: `evil.example:${rig.server.port}` }, 403],
        ['a foreign Origin', { ...good, origin: 'http://evil.example' }, 403],
        ['another local port as Origin', { ...good, origin: 'http://127.0.0.1:1' }, 403],
        ['no Origin', noOrigin, 403],
        ['no CSRF token', noCsrf, 403],
        ['a wrong CSRF token', { ...good, 'x-dovetail-csrf': 'x'.repeat(csrf.length) }, 403],
        ['a cross-site fetch', { ...good, 'sec-fetch-site': 'cross-site' }, 403],
      ];
      for (const [what, headers, status] of refusals) {
        const answer = await pause(headers);
        expect(answer.status, what).toBe(status);
        expect(rig.agent.status().state, what).not.toBe('paused');
      }
      expect((await send(rig, '/', { headers: { host: `localhost.evil.example:${rig.server.port}`, cookie } })).status).toBe(403);
      expect((await send(rig, '/', { headers: { host } })).status).toBe(401);
      expect((await send(rig, '/api/events', { headers: { host } })).status).toBe(401);
      // The control API keeps its bearer token: a console session is not enough.
      expect((await send(rig, '/pause', { method: 'POST', headers: { ...good, 'content-type': 'application/json' }, body: '{}' })).status).toBe(401);

      const answer = await pause(good);
      expect(answer.status).toBe(200);
      expect(rig.agent.status().state).toBe('paused');
      expect(answer.headers['content-security-policy']).toContain("script-src 'self'");
      expect((await send(rig, '/api/nope', { method: 'POST', headers: { ...good, 'content-type': 'application/json' }, body: '{}' })).status).toBe(404);
      const bad = await send(rig, '/api/pause', { method: 'POST', headers: { ...good, 'content-type': 'application/json' }, body: '{"for":"3 days"}' });
      expect(bad.status).toBe(400);
      expect(bad.body).toContain('pause: for');
    } finally {
      await rig.close();
    }
  });

  test('a login link works once; the page is served under a strict CSP that blocks injected script', async ({ dir }) => {
    const rig = await startConsoleRig(dir);
    try {
      const path = rig.server.console!.loginPath();
      const host = `127.0.0.1:${rig.server.port}`;
      expect((await send(rig, path, { headers: { host } })).status).toBe(303);
      expect((await send(rig, path, { headers: { host } })).status).toBe(401);

      const { context, page, watch } = await rig.open(browser);
      const csp = (await page.request.get(`${rig.origin}/`)).headers()['content-security-policy'];
      expect(csp).toContain("default-src 'none'");
      expect(csp).not.toContain('unsafe-inline');
      // The watcher sees what CSP blocks: an injected inline script never runs.
      const ran = await page.evaluate(async () => {
        const script = document.createElement('script');
        script.textContent = 'window.injected = true';
        document.body.append(script);
        await new Promise((resolve) => requestAnimationFrame(resolve));
        return (window as unknown as { injected?: boolean }).injected === true;
      });
      expect(ran).toBe(false);
      await expect.poll(() => watch.violations()).toEqual([expect.stringContaining('script-src')]);
      // Another origin's page cannot call the API with the cookie (SameSite=Strict, Origin check).
      rig.agent.pause(null);
      const other = await context.newPage();
      await other.goto('about:blank');
      const status = await other.evaluate(async (url) => {
        try {
          const r = await fetch(`${url}/api/resume`, { method: 'POST', credentials: 'include', body: '{}', mode: 'no-cors' });
          return r.type;
        } catch {
          return 'blocked';
        }
      }, rig.origin);
      expect(['opaque', 'blocked']).toContain(status);
      expect(rig.agent.status().state).toBe('paused');
      await context.close();
    } finally {
      await rig.close();
    }
  });
});
