import { expect, test } from 'vitest';
import { COMMAND_HELP, helpFor } from '../../../src/cli/help.js';
import { HELP } from '../../../src/cli/usage.js';

test('every command and sub-command listed in `dovetail --help` has its own help with usage, flags and an example', () => {
  const listed = new Set([...HELP.matchAll(/^ {2}dovetail ([a-z]+(?: (?:keys|init|list|show|resolve|create|revoke))*)/gm)].map((m) => m[1]!));
  expect(listed.size).toBeGreaterThan(15);
  for (const command of listed) {
    for (const flag of ['--help', '-h']) {
      const text = helpFor([...command.split(' '), flag]);
      expect(text, command).not.toBeNull();
      expect(text).toMatch(new RegExp(`^Usage: dovetail ${command}`));
      expect(text).toMatch(/\nFlags:\n/);
      expect(text).toMatch(new RegExp(`\nExample: dovetail ${command.split(' ')[0]}`));
    }
  }
  expect(Object.keys(COMMAND_HELP)).toEqual(expect.arrayContaining([...listed]));
});

test('help is found past flag values and positionals; no help without the flag', () => {
  expect(helpFor(['sync', '--config', 'x.json', '--help'])).toMatch(/^Usage: dovetail sync /);
  expect(helpFor(['conflicts', 'resolve', '7', '-h'])).toMatch(/^Usage: dovetail conflicts resolve ID/);
  expect(helpFor(['sync', '--only', 'orders'])).toBeNull();
});
