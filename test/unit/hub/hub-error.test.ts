import { describe, expect, it } from 'vitest';
import { HubError, toHubError } from '../../../src/hub/hub-error.js';
import { HUB_ERRORS } from '../../../src/protocol/index.js';

function fastifyError(code: string, statusCode: number, message = code): Error {
  return Object.assign(new Error(message), { code, statusCode });
}

describe('HubError', () => {
  it('takes its HTTP status from the code table', () => {
    for (const [code, status] of Object.entries(HUB_ERRORS)) {
      expect(new HubError(code as keyof typeof HUB_ERRORS, 'm').statusCode).toBe(status);
    }
  });
});

describe('toHubError', () => {
  it('keeps a HubError as is', () => {
    const error = new HubError('conflict', 'row changed', { 'x-a': '1' });
    expect(toHubError(error)).toBe(error);
  });

  it('maps Fastify body errors to coded errors', () => {
    expect(toHubError(fastifyError('FST_ERR_CTP_INVALID_JSON_BODY', 400))).toMatchObject({ code: 'invalid_json', statusCode: 400 });
    expect(toHubError(fastifyError('FST_ERR_CTP_EMPTY_JSON_BODY', 400))).toMatchObject({ code: 'invalid_json', statusCode: 400 });
    expect(toHubError(fastifyError('FST_ERR_CTP_BODY_TOO_LARGE', 413))).toMatchObject({ code: 'too_large', statusCode: 413 });
    expect(toHubError(fastifyError('FST_ERR_RATE_LIMIT', 429))).toMatchObject({ code: 'rate_limited', statusCode: 429 });
    const syntax = Object.assign(new SyntaxError('Unexpected token'), { statusCode: 400 });
    expect(toHubError(syntax)).toMatchObject({ code: 'invalid_json' });
    expect(toHubError(fastifyError('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415))).toMatchObject({ code: 'bad_request', statusCode: 400 });
  });

  it('hides the details of unexpected failures behind a 500 internal error', () => {
    const mapped = toHubError(new Error('SQLITE_CORRUPT: database disk image is malformed at /srv/hub.db'));
    expect(mapped).toMatchObject({ code: 'internal', statusCode: 500 });
    expect(mapped.message).not.toContain('/srv/hub.db');
    expect(toHubError('a string')).toMatchObject({ code: 'internal', statusCode: 500 });
  });
});
