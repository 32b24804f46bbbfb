import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../core/config.js';
import { silentLogger } from '../../core/logger.js';
import { Agent } from '../../core/agent.js';
import { SyncEngine, type SyncSummary } from '../../core/sync-engine.js';
import { startHubServer } from '../../hub/server.js';
import { consoleOptions } from '../commands/console.js';
import { controlFilePath, removeControlFile, writeControlFile } from '../control/control-file.js';
import { startControlServer } from '../control/control-server.js';
import { ensureRendererBuilt } from '../../console/renderer-build.js';
import { UsageError, parse } from '../usage.js';
import { compareEntity } from './compare.js';
import { SimulatedBackend, SimulatedPos } from './simulators.js';

const SCOPE = 'pizzaria-centro';
const EXAMPLE = fileURLToPath(new URL('../../../examples/restaurant.json', import.meta.url));

const clock = () => new Date().toLocaleTimeString('en-GB', { hour12: false });
const say = (line: string) => console.log(`${clock()}  ${line}`);

/**
 * `dovetail demo`: a hub and an agent on embedded SQLite in a temp folder, a simulated WhatsApp
 * backend creating orders and a simulated POS editing the menu. With --duration it stops by itself,
 * settles, and exits 0 only when the shop and the hub agree row for row.
 */
export async function demoCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, { duration: { type: 'string' }, dir: { type: 'string' }, interval: { type: 'string' } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const duration = values.duration === undefined ? Infinity : Number(values.duration);
  if (!(duration > 0)) throw new UsageError(`--duration: expected seconds > 0, got "${values.duration}"`);
  // Live sync does the work; the polling fallback only matters if the live channel drops.
  const intervalSeconds = values.interval === undefined ? 60 : Number(values.interval);
  if (!(intervalSeconds >= 1)) throw new UsageError('--interval: expected the polling fallback in seconds (≥ 1)');

  const dir = values.dir ? resolve(values.dir) : mkdtempSync(join(tmpdir(), 'dovetail-demo-'));
  mkdirSync(dir, { recursive: true });
  const server = await startHubServer({ dbPath: join(dir, 'hub.db'), port: 0 });
  const nodeKey = (await server.hub.store.createKey({ role: 'node', scope: SCOPE, name: 'centro-pos' })).key;
  const adminKey = (await server.hub.store.createKey({ role: 'admin', scope: SCOPE, name: 'whatsapp-backend' })).key;

  const example = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as Record<string, unknown>;
  const configPath = join(dir, 'dovetail.json');
  // Addresses wait for a person when both sides change the same field, so the console has conflicts to show.
  const entities = (example.entities as Record<string, unknown>[]).map((e) => (e.name === 'addresses' ? { ...e, conflict: 'manual' } : e));
  writeFileSync(configPath, JSON.stringify({ ...example, entities, hub: { url: server.url, apiKey: nodeKey } }, null, 2), { mode: 0o600 });
  const config = loadConfig(configPath, {});
  const instance = config.instances[0]!;
  if (instance.database.type !== 'sqlite') throw new UsageError('the demo runs on embedded SQLite');
  const dbPath = instance.database.path;
  const engine = await SyncEngine.open(instance, { logger: silentLogger() });
  const pos = new Database(dbPath);
  pos.pragma('busy_timeout = 5000');
  const posSim = new SimulatedPos(pos);
  const backend = new SimulatedBackend(server.url, adminKey, SCOPE);

  say(`hub      ${server.url}  (scope ${SCOPE}, data in ${join(dir, 'hub.db')})`);
  say(`agent    ${dbPath}  (config ${configPath})`);
  say(`POS      menu seeded: ${posSim.seedMenu()} rows written locally, captured in the outbox`);

  const totals = { pushed: 0, pulled: 0, conflicts: 0, runs: 0, failedRuns: 0 };
  let lastDaily = 0;
  const report = (summary: SyncSummary) => {
    totals.runs++;
    totals.pushed += summary.stats.pushed;
    totals.pulled += summary.stats.pulled;
    totals.conflicts += summary.stats.conflicts;
    if (summary.stats.conflicts > 0) {
      say(`agent    run #${summary.runId}: an address was changed in the shop and on WhatsApp at once — choose in the console (Conflicts)`);
    }
    if (summary.status !== 'DONE') {
      totals.failedRuns++;
      say(`agent    run #${summary.runId} ${summary.status}: ${summary.error ?? ''}`);
    }
    const moved = Object.entries(summary.modules).filter(([, p]) => p.processed > 0);
    if (moved.length > 0) {
      say(`agent    run #${summary.runId}: ${moved.map(([m, p]) => `${m.startsWith('push') ? '↑' : '↓'} ${m.replace('pull:', '')} ${p.processed}`).join(', ')}`);
    }
    const numbered = pos.prepare('SELECT id, daily_number FROM orders WHERE daily_number > ? ORDER BY daily_number').all(lastDaily) as {
      id: string;
      daily_number: number;
    }[];
    for (const o of numbered) say(`agent    order ${o.id.slice(0, 8)} is today's #${o.daily_number} (sent back to the hub)`);
    lastDaily = numbered.at(-1)?.daily_number ?? lastDaily;
  };
  const agent = new Agent({ engine, logger: silentLogger(), intervalMinutes: intervalSeconds / 60 });
  agent.onRun(report);
  let lastState = '';
  agent.onStatus((status) => {
    if (status.state !== lastState) say(`agent    connection ${status.state}`);
    lastState = status.state;
  });
  await ensureRendererBuilt((line) => say(`console  ${line}`));
  const web = await consoleOptions([agent], silentLogger());
  const control = await startControlServer([agent], { console: web.options });
  const controlPath = controlFilePath(configPath);
  writeControlFile(controlPath, { pid: process.pid, port: control.port, token: control.token });
  await agent.start();
  say(`console  http://127.0.0.1:${control.port}${control.console!.loginPath()}`);
  say(`console  (open it in a browser; the link signs in once — \`dovetail console --config ${configPath}\` prints a new one)`);

  let stopping = false;
  const stop = () => {
    stopping = true;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const endAt = Date.now() + duration * 1000;
  const timers: NodeJS.Timeout[] = [];
  const every = (ms: number, fn: () => Promise<string | null> | string | null) =>
    timers.push(
      setInterval(() => {
        void Promise.resolve()
          .then(fn)
          .then((line) => line && say(line))
          .catch((error: unknown) => say(`error: ${(error as Error).message}`));
      }, ms),
    );
  every(1300, () => backend.placeOrder());
  every(2100, () => posSim.changePrice());
  every(3700, () => posSim.noteCustomer());
  every(9100, async () => {
    const id = backend.knownAddress();
    if (!id || !posSim.editAddress(id)) return null;
    await backend.editAddress(id);
    return `POS + WhatsApp: address ${id.slice(0, 8)} corrected in the shop and online at the same moment`;
  });

  while (!stopping && Date.now() < endAt) {
    await new Promise((r) => setTimeout(r, Math.min(200, Math.max(0, endAt - Date.now()))));
  }
  timers.forEach(clearInterval);
  say('stopping the simulators; settling the last changes…');
  await agent.idle();
  const open = await engine.conflicts.countOpen();
  if (open > 0) {
    let kept = 0;
    for (const entity of instance.entities) kept += await engine.resolveAllConflicts(entity.name, 'remote');
    say(`agent    ${open} conflict(s) left open: kept the online value for ${kept} (in the console you choose)`);
  }
  for (let i = 0; i < 5; i++) {
    const s = await agent.syncNow();
    if (s.stats.pushed === 0 && s.stats.pulled === 0 && s.status === 'DONE') break;
  }
  await agent.stop();
  await control.app.close();
  web.service.close();
  removeControlFile(controlPath);

  const comparisons = [];
  for (const entity of instance.entities) comparisons.push(await compareEntity(pos, server.hub.store, SCOPE, entity));
  const counts = await engine.outbox.counts();
  console.log('\nSummary');
  console.log(`  runs ${totals.runs} (${totals.failedRuns} failed), rows pushed ${totals.pushed}, pulled ${totals.pulled}, conflicts ${totals.conflicts}`);
  console.log(`  outbox: ${counts.pending} pending, ${counts.failed} failed`);
  for (const c of comparisons) {
    console.log(`  ${c.entity.padEnd(18)} local ${String(c.local).padStart(5)}  hub ${String(c.hub).padStart(5)}  ${c.mismatches.length === 0 ? 'agree' : `DIFFER: ${c.mismatches.slice(0, 3).join('; ')}`}`);
  }
  const agree = comparisons.every((c) => c.mismatches.length === 0) && counts.pending === 0 && counts.failed === 0;
  console.log(agree ? '  both sides agree' : '  the two sides DO NOT agree');
  pos.close();
  await engine.close();
  await server.close();
  return agree ? 0 : 1;
}
