import { SyncError } from '../../core/errors.js';
import { readControlFile, controlFilePath } from './control-file.js';

/** Calls a running `dovetail run` through its control API; null when none runs for this config. */
export async function callAgent<T>(configPath: string, method: 'GET' | 'POST', path: string, body?: object): Promise<T | null> {
  const info = readControlFile(controlFilePath(configPath));
  if (!info) return null;
  let response: Response;
  try {
    response = await fetch(`http://127.0.0.1:${info.port}${path}`, {
      method,
      headers: { authorization: `Bearer ${info.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch {
    return null;
  }
  const payload = (await response.json()) as T & { error?: { message: string } };
  if (!response.ok) throw new SyncError('rejected', `running agent refused ${path}: ${payload.error?.message ?? response.status}`);
  return payload;
}
