import { CSP } from '../console/security.js';

/** Our windows' origin: the built renderer served by the `app://` protocol handler. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'dovetail';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** The console's Content-Security-Policy, minus its report endpoint (there is no server here). */
export const DESKTOP_CSP = CSP.split('; ')
  .filter((directive) => !directive.startsWith('report-uri'))
  .join('; ');

/**
 * The built file an `app://dovetail/…` request asks for, or null: another scheme or host, a
 * path escaping the folder, or a file not in `files` (the build, read into memory at start).
 */
export function appRequestPath(url: string, files: ReadonlySet<string>): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) return null;
  const path = decodeURIComponent(parsed.pathname).replace(/^\/+/, '') || 'index.html';
  if (path.split('/').some((part) => part === '..' || part === '.' || part === '')) return null;
  return files.has(path) ? path : null;
}

/** A frame URL that is one of our pages (the IPC sender check's second half). */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}

/** A URL the status window may hand to the OS browser (links in help text); everything else stays closed. */
export function isExternalSafe(url: string): boolean {
  try {
    return new URL(url).protocol === 'https:';
  } catch {
    return false;
  }
}

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  ico: 'image/x-icon',
  json: 'application/json',
  woff2: 'font/woff2',
};

/** Headers of every `app://` answer: the CSP and the console's other hardening headers. */
export function appResponseHeaders(path: string): Record<string, string> {
  return {
    'content-type': TYPES[path.slice(path.lastIndexOf('.') + 1)] ?? 'application/octet-stream',
    'content-security-policy': DESKTOP_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
  };
}
