import { describe, expect, it } from 'vitest';
import { HubError } from '../../../src/hub/hub-error.js';
import { parseOr400 } from '../../../src/hub/parse.js';
import { pullQuery, pushRequest } from '../../../src/protocol/index.js';

function failure(fn: () => unknown): HubError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(HubError);
    return error as HubError;
  }
  throw new Error('expected a HubError');
}

describe('parseOr400', () => {
  it('returns the parsed value, with defaults applied', () => {
    expect(parseOr400(pullQuery, { entity: 'orders' }, 'pull query')).toEqual({ entity: 'orders', since: 0, limit: 1000 });
    expect(parseOr400(pullQuery, { entity: 'orders', since: '5', limit: '10' }, 'pull query')).toEqual({ entity: 'orders', since: 5, limit: 10 });
  });

  it('throws a 400 validation HubError naming what and every bad path', () => {
    const body = {
      protocol: 1,
      source: 'outbox-test-0001',
      changes: [
        { seq: 1, entity: 'orders', key: 'o1', op: 'upsert', data: {}, baseVersion: null },
        { seq: 2, entity: 'Bad-Name', key: 'o2', op: 'merge', data: {}, baseVersion: null },
      ],
    };
    const error = failure(() => parseOr400(pushRequest, body, 'push body'));
    expect(error).toMatchObject({ code: 'validation', statusCode: 400 });
    expect(error.message).toMatch(/^invalid push body: /);
    expect(error.message).toContain('changes[1].entity');
    expect(error.message).toContain('changes[1].op');
    expect(error.message).not.toContain('changes[0]');
  });

  it('names (root) when the value itself is wrong', () => {
    expect(failure(() => parseOr400(pushRequest, 'nope', 'push body')).message).toContain('(root)');
  });
});
