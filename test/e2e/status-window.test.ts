import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { test, waitFor } from '../helpers/fixtures.js';
import { axeProblems, launchChromium, screenshot } from './browser.js';
import { startConsoleRig } from './console-harness.js';

/** A local time as the windows print it in English (12 or 24 hours, by the locale). */
const TIME = String.raw`\d{1,2}:\d\d(?: [AP]M)?`;
const time = (pattern: string) => new RegExp(pattern.replaceAll('TIME', TIME));

/**
 * The status window in Chromium against a real agent and hub on loopback: Sync now with live
 * per-module progress and the run's log in the history, offline and back, pause and resume,
 * failed outbox entries retried and discarded, hostile values shown as text, axe-core clean.
 */
describe('status window', { timeout: 60_000 }, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  test('Sync now shows live progress per module, then the run and its log in the history', async ({ dir }) => {
    const rig = await startConsoleRig(dir);
    try {
      await rig.put('orders', 'o-1', { id: 'o-1', customer_id: null, total: 52, status: 'received' });
      await waitFor(() => rig.local('orders', 'o-1'), 10_000, 'the order to arrive');
      await waitFor(() => !rig.agent.status().running, 5000, 'the run to end');
      const { context, page, watch } = await rig.open(browser);
      await expect.poll(() => page.getByTestId('headline').textContent()).toMatch(time('^Everything is up to date · synced TIME$'));
      await screenshot(page, 'status-idle');
      expect(await axeProblems(page)).toEqual([]);

      const release = rig.faults.holdPulls();
      rig.pos.prepare("INSERT INTO products (id, name, price) VALUES ('p-1', 'Margherita', 38)").run();
      await page.getByRole('button', { name: 'Sync now' }).click();
      const run = page.getByTestId('current-run');
      await expect.poll(() => run.locator('[data-module="push"]').getAttribute('data-status'), { timeout: 10_000 }).toBe('done');
      await expect.poll(() => run.locator('[data-module="pull:customers"]').getAttribute('data-status')).toBe('running');
      expect(await run.locator('[data-module="push"] td').first().textContent()).toBe('done');
      expect(await page.getByTestId('headline').textContent()).toBe('Syncing now…');
      const runId = rig.agent.status().currentRun!.id!;
      await screenshot(page, 'status-mid-run');
      expect(await axeProblems(page)).toEqual([]);
      release();
      await expect.poll(() => run.textContent(), { timeout: 10_000 }).toContain('No sync is running.');
      await expect.poll(() => page.getByTestId('headline').textContent()).toMatch(/^Everything is up to date/);

      const done = page.getByTestId('history').locator(`li[data-run="${runId}"]`);
      await expect.poll(() => done.getAttribute('data-status')).toBe('DONE');
      await done.getByRole('button', { name: 'Show messages' }).click();
      await expect.poll(() => done.getByTestId('run-log').textContent()).toContain('0 customers synced');
      expect(await done.getByTestId('run-log').textContent()).toContain('0 orders synced');
      expect(await rig.remote('products', 'p-1')).toMatchObject({ name: 'Margherita' });

      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Save diagnostics' }).click()]);
      const bundle = JSON.parse(readFileSync(await download.path(), 'utf8')) as { instances: { config: unknown; runs: unknown[] }[] };
      expect(bundle.instances[0]!.runs.length).toBeGreaterThan(0);
      expect(JSON.stringify(bundle)).not.toContain(rig.engine.apiKey);
      expect(JSON.stringify(bundle.instances[0]!.config)).toContain('[redacted]');
      expect(watch.dialogs).toEqual([]);
      expect(await watch.violations()).toEqual([]);
      await context.close();
    } finally {
      await rig.close();
    }
  });

  test('Cancel stops the sync in progress; Full resync asks first', async ({ dir }) => {
    const rig = await startConsoleRig(dir);
    try {
      const { context, page } = await rig.open(browser);
      const release = rig.faults.holdPulls();
      await page.getByRole('button', { name: 'Sync now' }).click();
      const run = page.getByTestId('current-run');
      await expect.poll(() => run.locator('[data-module="pull:customers"]').getAttribute('data-status'), { timeout: 10_000 }).toBe('running');
      const runId = rig.agent.status().currentRun!.id!;
      await run.getByRole('button', { name: 'Cancel this sync' }).click();
      const canceled = page.getByTestId('history').locator(`li[data-run="${runId}"]`);
      await expect.poll(() => canceled.getAttribute('data-status'), { timeout: 10_000 }).toBe('CANCELED');
      expect(await canceled.locator('.badge').textContent()).toBe('canceled');
      release();

      await page.getByRole('button', { name: 'Full resync' }).click();
      const dialog = page.getByRole('dialog');
      expect(await dialog.textContent()).toContain('Fetch every table again');
      await dialog.getByRole('button', { name: 'Yes, go ahead' }).click();
      await expect.poll(async () => (await rig.engine.runs.list(1))[0]?.mode, { timeout: 10_000 }).toBe('full');
      await context.close();
    } finally {
      await rig.close();
    }
  });

  test('hub unreachable: the headline says offline with the waiting count; hub back: up to date', async ({ dir }) => {
    const rig = await startConsoleRig(dir);
    try {
      const { context, page } = await rig.open(browser);
      await rig.stopHub();
      rig.pos.prepare("INSERT INTO products (id, name, price) VALUES ('p-1', 'Calabresa', 42), ('p-2', 'Água', 4)").run();
      const headline = page.getByTestId('headline');
      await expect.poll(() => headline.textContent(), { timeout: 20_000 }).toMatch(time('^Offline since TIME — 2 changes waiting, next try TIME$'));
      expect(await page.getByTestId('connection').textContent()).toBe('Offline');
      await screenshot(page, 'status-offline');
      expect(await axeProblems(page)).toEqual([]);
      await rig.restartHub();
      await expect.poll(() => rig.remote('products', 'p-2'), { timeout: 20_000 }).toMatchObject({ name: 'Água' });
      await expect.poll(() => headline.textContent(), { timeout: 20_000 }).toMatch(time('^Everything is up to date · synced TIME$'));
      await context.close();
    } finally {
      await rig.close();
    }
  });

  test('pause for 15 minutes shows the end time in the machine\'s time zone; resume syncs again', async ({ dir }) => {
    const rig = await startConsoleRig(dir);
    try {
      const { context, page } = await rig.open(browser, { timezoneId: 'America/Sao_Paulo' });
      await page.getByText('Pause', { exact: true }).click();
      await page.getByRole('button', { name: 'For 15 minutes' }).click();
      await waitFor(() => rig.agent.status().pausedUntil, 5000, 'the pause');
      const until = rig.agent.status().pausedUntil!;
      const local = new Intl.DateTimeFormat('en', { hour: '2-digit', minute: '2-digit', timeZone: 'America/Sao_Paulo' }).format(new Date(until));
      await expect.poll(() => page.getByTestId('headline').textContent()).toBe(`Paused until ${local}`);
      expect(Date.parse(until) - Date.now()).toBeGreaterThan(14 * 60_000);
      await page.getByRole('button', { name: 'Resume' }).click();
      await expect.poll(() => page.getByTestId('headline').textContent()).toMatch(/^Everything is up to date/);
      expect(rig.agent.status().state).not.toBe('paused');
      await context.close();
    } finally {
      await rig.close();
    }
  });

  test('keyboard only: Tab reaches every action, Enter syncs and pauses', async ({ dir }) => {
    const rig = await startConsoleRig(dir);
    try {
      const { context, page } = await rig.open(browser);
      const focused = () => page.evaluate(() => document.activeElement?.textContent?.trim() ?? '');
      const tabTo = async (text: string) => {
        for (let i = 0; i < 20 && (await focused()) !== text; i++) await page.keyboard.press('Tab');
        expect(await focused()).toBe(text);
      };
      const runs = (await rig.engine.runs.list(1))[0]!.id;
      await tabTo('Sync now');
      await page.keyboard.press('Enter');
      await expect.poll(async () => (await rig.engine.runs.list(1))[0]!.id).toBeGreaterThan(runs);
      await tabTo('Pause');
      await page.keyboard.press('Enter');
      await tabTo('For 1 hour');
      await page.keyboard.press('Enter');
      await expect.poll(() => rig.agent.status().state).toBe('paused');
      await tabTo('Resume');
      await page.keyboard.press('Enter');
      await expect.poll(() => rig.agent.status().state).not.toBe('paused');
      await context.close();
    } finally {
      await rig.close();
    }
  });

  test('every instance of the config is selectable; actions go to the one shown', async ({ dir }) => {
    const rig = await startConsoleRig(dir, { second: true });
    try {
      const { context, page } = await rig.open(browser);
      const picker = page.getByTestId('instance');
      expect(await picker.locator('option').allTextContents()).toEqual(['pizzaria-centro', 'pizzaria-norte']);
      await picker.selectOption('pizzaria-norte');
      await page.getByText('Pause', { exact: true }).click();
      await page.getByRole('button', { name: 'Until tomorrow' }).click();
      await expect.poll(() => page.getByTestId('headline').textContent()).toMatch(/^Paused until /);
      expect(rig.second!.status().state).toBe('paused');
      expect(rig.agent.status().state).not.toBe('paused');
      await picker.selectOption('pizzaria-centro');
      await expect.poll(() => page.getByTestId('headline').textContent()).toMatch(/^Everything is up to date/);
      expect(await axeProblems(page)).toEqual([]);
      await context.close();
    } finally {
      await rig.close();
    }
  });

  test('failed changes: one retried, one discarded after confirming; hostile values stay text', async ({ dir }) => {
    const rig = await startConsoleRig(dir);
    try {
      const hostileKey = '"><script>alert("key")</script>';
      rig.faults.rejectKeys.set('p-bad', '<img src=x onerror=alert("reason")>');
      rig.faults.rejectKeys.set(hostileKey, 'price: expected a number');
      const { context, page, watch } = await rig.open(browser);
      rig.pos.transaction(() => {
        rig.pos.prepare("INSERT INTO products (id, name, price) VALUES ('p-bad', '<img src=x onerror=alert(1)>', 1)").run();
        rig.pos.prepare("INSERT INTO products (id, name, price) VALUES (?, 'x', 2)").run(hostileKey);
      })();
      const failed = page.getByTestId('failed-outbox');
      await expect.poll(() => failed.locator('tr[data-seq]').count(), { timeout: 10_000 }).toBe(2);
      await expect.poll(() => page.getByTestId('headline').textContent()).toBe('2 changes could not be sent — see below');
      expect(await failed.locator('tr[data-row="p-bad"] .reason').textContent()).toBe('validation: <img src=x onerror=alert("reason")>');
      expect(await failed.locator('tr', { hasText: '<script>' }).locator('.key').textContent()).toBe(hostileKey);
      expect(await failed.locator('img').count()).toBe(0);
      await screenshot(page, 'status-failed-changes');
      expect(await axeProblems(page)).toEqual([]);

      rig.faults.rejectKeys.delete('p-bad');
      await failed.locator('tr[data-row="p-bad"]').getByRole('button', { name: 'Try again' }).click();
      await expect.poll(() => rig.remote('products', 'p-bad'), { timeout: 10_000 }).toMatchObject({ price: 1 });
      await expect.poll(() => failed.locator('tr[data-seq]').count()).toBe(1);

      await failed.locator('tr[data-seq]').getByRole('button', { name: 'Discard' }).click();
      const dialog = page.getByRole('dialog');
      expect(await dialog.textContent()).toContain(hostileKey);
      await dialog.getByRole('button', { name: 'Yes, go ahead' }).click();
      await expect.poll(() => failed.textContent()).toContain('None — the online system has refused no change.');
      expect(await rig.engine.outbox.counts()).toMatchObject({ failed: 0 });
      expect(await rig.remote('products', hostileKey)).toBeNull();
      expect(watch.dialogs).toEqual([]);
      expect(await watch.violations()).toEqual([]);
      await context.close();
    } finally {
      await rig.close();
    }
  });
});
