import { describe, expect, test } from 'vitest';
import type { AgentApi } from '../../../src/contract/agent-api.js';
import { ApiError } from '../../../src/contract/api-error.js';
import { apiSchemas, channels, eventSchemas, isChannel } from '../../../src/contract/channels.js';
import { dispatch } from '../../../src/contract/dispatch.js';
import { AgentService } from '../../../src/service/agent-service.js';

/** Records the calls it gets; answers with what `answers` holds. */
function recordingApi(answers: Partial<Record<keyof AgentApi, unknown>>): { api: AgentApi; calls: [string, unknown][] } {
  const calls: [string, unknown][] = [];
  const api = new Proxy({} as AgentApi, {
    get: (_t, name: string) => (args: unknown) => {
      calls.push([name, args]);
      return Promise.resolve(answers[name as keyof AgentApi]);
    },
  });
  return { api, calls };
}

describe('the AgentApi channel map', () => {
  test('lists every call of the interface once, and the server implements each', () => {
    expect(new Set(channels).size).toBe(channels.length);
    expect(channels).toContain('resolveConflict');
    for (const channel of channels) expect(typeof AgentService.prototype[channel], channel).toBe('function');
    expect(Object.keys(eventSchemas).sort()).toEqual(['runFinished', 'status']);
    expect(isChannel('toString')).toBe(false);
    expect(isChannel('constructor')).toBe(false);
  });

  test('dispatch parses arguments strictly and names the bad path', async () => {
    const { api, calls } = recordingApi({ pause: { pausedUntil: null } });
    await expect(dispatch(api, 'pause', { for: '15m', instance: 'a' })).resolves.toEqual({ pausedUntil: null });
    expect(calls).toEqual([['pause', { for: '15m', instance: 'a' }]]);
    await expect(dispatch(api, 'pause', { for: '3 days' })).rejects.toMatchObject({ code: 'bad_request', message: expect.stringContaining('pause: for') });
    await expect(dispatch(api, 'pause', { for: '1h', extra: 1 })).rejects.toBeInstanceOf(ApiError);
    await expect(
      dispatch(api, 'resolveConflict', { instance: 'a', id: 1, resolution: { fields: { name: 'mine' } } }),
    ).rejects.toMatchObject({ code: 'bad_request', message: expect.stringContaining('resolution.fields.name') });
    await expect(dispatch(api, '__proto__', {})).rejects.toMatchObject({ code: 'not_found' });
    expect(calls).toHaveLength(1);
  });

  test('dispatch refuses a result outside the contract', async () => {
    const { api } = recordingApi({ cancel: { canceled: 'many' } });
    await expect(dispatch(api, 'cancel', {})).rejects.toThrow();
  });

  test('every schema pair parses a minimal valid argument', () => {
    expect(apiSchemas.status.args.safeParse({}).success).toBe(true);
    expect(apiSchemas.syncNow.args.safeParse({ full: true }).success).toBe(true);
    expect(apiSchemas.retryOutbox.args.safeParse({ instance: 'a', seqs: [] }).success).toBe(false);
    expect(apiSchemas.resolveConflict.args.safeParse({ instance: 'a', id: 3, resolution: { fields: { x: { value: null } } } }).success).toBe(true);
  });
});
