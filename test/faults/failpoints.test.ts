import { describe, expect, it } from 'vitest';
import { failpoint, parseFailpoints } from '../../src/core/failpoints.js';

describe('failpoints', () => {
  it('parses names with an optional hit number and ignores junk', () => {
    expect([...parseFailpoints('push:after-send@3, apply:before-cursor,bad name,x@0')]).toEqual([
      ['push:after-send', 3],
      ['apply:before-cursor', 1],
      ['x', 1],
    ]);
    expect(parseFailpoints(undefined).size).toBe(0);
  });

  it('is inert when DOVETAIL_FAILPOINTS does not name it', () => {
    // This test process has no DOVETAIL_FAILPOINTS: passing a point many times does nothing.
    for (let i = 0; i < 1000; i++) failpoint('push:after-send');
    expect(process.env.DOVETAIL_FAILPOINTS ?? '').toBe('');
  });
});
