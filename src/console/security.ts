import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The console's Content-Security-Policy: only this origin's script, style and connections; no
 * inline script or style, no frames, no remote origins. Violations are reported to /csp-report.
 */
export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  'report-uri /csp-report',
].join('; ');

export function securityHeaders(reply: FastifyReply): void {
  void reply.headers({
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
  });
}

/** The origins this server answers as: 127.0.0.1 or localhost on its own port (DNS rebinding guard). */
export function allowedHosts(port: number): ReadonlySet<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
}

/**
 * A state-changing request must come from a page of this origin: Origin present and ours, and
 * Sec-Fetch-Site (when the browser sends it) same-origin.
 */
export function sameOrigin(request: FastifyRequest, port: number): boolean {
  const origin = request.headers.origin;
  if (typeof origin !== 'string') return false;
  const hosts = allowedHosts(port);
  if (!hosts.has(origin.replace(/^http:\/\//, '')) || !origin.startsWith('http://')) return false;
  const site = request.headers['sec-fetch-site'];
  return site === undefined || site === 'same-origin';
}

/** A cookie value from the Cookie header. */
export function readCookie(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}
