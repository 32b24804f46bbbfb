import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { test, waitFor } from '../helpers/fixtures.js';
import { axeProblems, launchChromium, screenshot } from './browser.js';
import { startConsoleRig, type ConsoleRig } from './console-harness.js';

const IMG = '<img src=x onerror=alert(1)>';
const SCRIPT = '"><script>alert(2)</script>';

/** The same customers edited in the shop and online while the agent was paused: manual conflicts. */
async function clash(rig: ConsoleRig, keys: readonly string[]): Promise<void> {
  for (const key of keys) await rig.put('customers', key, { id: key, first_name: 'Ana', email: 'ana@old.example', phone: '555-0100', notes: null });
  await waitFor(() => keys.every((k) => rig.local('customers', k)), 10_000, 'the customers to arrive');
  await waitFor(() => !rig.agent.status().running, 5000, 'the run to end');
  rig.agent.pause(null);
  for (const key of keys) {
    rig.pos.prepare('UPDATE customers SET first_name = ?, phone = ?, notes = ? WHERE id = ?').run(IMG, '555-shop', 'shop note', key);
    await rig.put('customers', key, { id: key, first_name: SCRIPT, email: 'ana@online.example', phone: '555-online', notes: null });
  }
  rig.agent.resume();
  await waitFor(async () => (await rig.engine.conflicts.countOpen()) === keys.length, 10_000, 'the conflicts');
}

/**
 * The conflicts window in Chromium: the list, one conflict field by field (base / shop / online)
 * resolved per field so both sides hold the merged row, a whole table resolved at once; hostile
 * values shown as text; axe-core clean.
 */
describe('conflicts window', { timeout: 60_000 }, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  test('a manual conflict resolved field by field reaches the hub and the shop; a table resolved at once', async ({ dir }) => {
    const rig = await startConsoleRig(dir);
    try {
      await clash(rig, ['c-1', 'c-2', 'c-3']);
      const { context, page, watch } = await rig.open(browser);
      await expect.poll(() => page.getByTestId('headline').textContent()).toBe('3 conflicts need you');
      await page.getByTestId('nav-conflicts').click();
      const list = page.getByTestId('conflict-list');
      await expect.poll(() => list.locator('tr[data-conflict]').count()).toBe(3);
      expect(await list.locator('tr[data-conflict]').first().locator('td').first().textContent()).toBe('first_name, phone');
      await screenshot(page, 'conflicts-list');
      expect(await axeProblems(page)).toEqual([]);

      await page.getByRole('button', { name: 'Open conflict on customers c-1' }).click();
      const detail = page.getByTestId('conflict-detail');
      await detail.waitFor();
      const name = detail.locator('tr[data-field="first_name"]');
      expect(await name.getAttribute('class')).toBe('conflicting');
      expect(await name.locator('td').allTextContents()).toEqual(expect.arrayContaining(['Ana', IMG, SCRIPT]));
      expect(await detail.locator('tr[data-field="email"]').getAttribute('class')).toBe('');
      expect(await page.locator('img').count()).toBe(0);
      await screenshot(page, 'conflict-detail');
      expect(await axeProblems(page)).toEqual([]);

      await detail.getByRole('button', { name: 'Save my choices' }).click();
      await expect.poll(() => detail.getByRole('status').textContent()).toBe('Choose a value for every marked field first.');
      await name.getByLabel('Keep the shop’s value').check();
      await detail.locator('tr[data-field="phone"]').getByLabel('Type a value').check();
      await detail.getByLabel('Value for phone').fill('555-both');
      await detail.getByRole('button', { name: 'Save my choices' }).click();

      const merged = { first_name: IMG, phone: '555-both', email: 'ana@online.example', notes: 'shop note' };
      await expect.poll(() => rig.remote('customers', 'c-1'), { timeout: 10_000 }).toMatchObject(merged);
      expect(rig.local('customers', 'c-1')).toMatchObject(merged);
      await expect.poll(() => list.locator('tr[data-conflict]').count()).toBe(2);
      expect((await rig.engine.conflicts.list({ status: 'open' })).map((c) => c.rowKey).sort()).toEqual(['c-2', 'c-3']);

      await list.getByRole('button', { name: 'Keep the online values for all 2 customers conflicts' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Yes, go ahead' }).click();
      await expect.poll(() => list.textContent()).toContain('No conflicts. Nothing needs you here.');
      expect(await rig.engine.conflicts.countOpen()).toBe(0);
      expect(rig.local('customers', 'c-2')).toMatchObject({ first_name: SCRIPT, phone: '555-online' });
      await expect.poll(() => rig.remote('customers', 'c-3')).toMatchObject({ first_name: SCRIPT, phone: '555-online' });
      expect(watch.dialogs).toEqual([]);
      expect(await watch.violations()).toEqual([]);
      await context.close();
    } finally {
      await rig.close();
    }
  });
});
