/**
 * TLS (issue 13, fault and security suite): a hub behind a self-signed certificate. A loopback TLS
 * terminator (its certificate made by the openssl CLI at test time, for localhost and 127.0.0.1)
 * passes the decrypted bytes to a real hub, WebSocket upgrades included. Without trust the run
 * fails with the certificate problem and its fix in words, the outbox keeps every change and the
 * hub receives nothing; a `dovetail` process given the certificate with NODE_EXTRA_CA_CERTS syncs
 * and keeps its live channel over wss. Certificate checks are never turned off anywhere.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createServer } from 'node:tls';
import { AxiosError, AxiosHeaders } from 'axios';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { Agent } from '../../src/core/agent.js';
import { toSyncError } from '../../src/core/hub-client.js';
import { createLogger } from '../../src/core/logger.js';
import { SyncEngine } from '../../src/core/sync-engine.js';
import { dovetail } from '../helpers/cli.js';
import { REPO_ROOT, watchChild } from '../helpers/child.js';
import { ENTITIES, instanceConfig, openEngine, test, waitFor } from '../helpers/fixtures.js';
import { startHubWith } from '../helpers/hub-harness.js';
import { adminPut, count, openPos, outboxRows } from '../helpers/local-db.js';

const ALL = { since: 0, limit: 1000, includeDeleted: true };
const CA_FIX = 'give the agent your CA with NODE_EXTRA_CA_CERTS=/path/ca.pem';
const UNTRUSTED =
  "the hub's TLS certificate is not trusted (self-signed certificate, DEPTH_ZERO_SELF_SIGNED_CERT): install a certificate from a public CA on the hub, or " +
  CA_FIX;

interface Certificate {
  readonly key: Buffer;
  readonly cert: Buffer;
  /** The PEM file an operator would give the agent in NODE_EXTRA_CA_CERTS. */
  readonly certPath: string;
}

/** A self-signed P-256 certificate for localhost and 127.0.0.1, made by the openssl CLI. */
function selfSignedCertificate(dir: string): Certificate {
  try {
    execFileSync('openssl', ['version'], { stdio: 'pipe' });
  } catch (error) {
    throw new Error(`test/faults/tls.test.ts needs the openssl CLI to make its certificate (apt-get install openssl): ${(error as Error).message}`);
  }
  const keyPath = join(dir, 'hub-key.pem');
  const certPath = join(dir, 'hub-cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '2',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
    { stdio: 'pipe' },
  );
  return { key: readFileSync(keyPath), cert: readFileSync(certPath), certPath };
}

interface TlsTerminator {
  /** `https://localhost:PORT`, as a hub behind a TLS proxy would be configured. */
  readonly url: string;
  /** Connections whose TLS handshake completed (each one piped to the hub). */
  secured(): number;
  /** Handshakes the client broke off, by error code (the agent refusing the certificate). */
  readonly refused: string[];
  stop(): Promise<void>;
}

/** TLS on 127.0.0.1 in front of a plain-HTTP hub: a byte pipe after the handshake (WebSocket upgrades pass too). */
async function startTlsTerminator(hubUrl: string, certificate: Certificate): Promise<TlsTerminator> {
  const hub = new URL(hubUrl);
  const sockets = new Set<Socket>();
  const refused: string[] = [];
  let secured = 0;
  const server = createServer({ key: certificate.key, cert: certificate.cert }, (client) => {
    secured++;
    const upstream = connect(Number(hub.port), hub.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  server.on('tlsClientError', (error: Error & { code?: string }) => refused.push(error.code ?? error.message));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `https://localhost:${port}`,
    secured: () => secured,
    refused,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** `node bin/dovetail.js run` in `cwd`, its stdout collected line by line. */
function startRun(cwd: string, env: Record<string, string>): { child: ChildProcessWithoutNullStreams; lines: string[]; stderr: () => string; exited: Promise<number | string> } {
  const inherited: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['REMOTE_API_URL', 'REMOTE_API_KEY', 'SYNC_INTERVAL_MINUTES', 'SYNC_DEBUG', 'DOVETAIL_CONFIG']) delete inherited[name];
  const run = watchChild(
    spawn(process.execPath, [join(REPO_ROOT, 'bin', 'dovetail.js'), 'run', '--config', 'dovetail.json'], {
      cwd,
      env: { ...inherited, DOVETAIL_RUNTIME_DIR: cwd, ...env },
      stdio: 'pipe',
    }),
  );
  return { child: run.process, lines: run.lines, stderr: () => run.stderr(), exited: run.exited };
}

let certDir = '';
let certificate: Certificate;

beforeAll(() => {
  certDir = mkdtempSync(join(tmpdir(), 'dovetail-tls-'));
  certificate = selfSignedCertificate(certDir);
});

afterAll(() => {
  if (certDir) rmSync(certDir, { recursive: true, force: true });
});

describe('a hub with a self-signed certificate', () => {
  test('no extra trust: the run fails naming the certificate problem and the fix, the outbox keeps every change, the hub receives nothing; the live agent keeps retrying', async ({ dir }) => {
    const hub = await startHubWith(dir, () => undefined);
    const tls = await startTlsTerminator(hub.url, certificate);
    const dbPath = join(dir, 'shop.db');
    let logs = '';
    const logger = createLogger({
      level: 'debug',
      destination: new Writable({
        write(chunk: Buffer, _encoding, done) {
          logs += chunk.toString();
          done();
        },
      }),
    });
    const engine = await SyncEngine.open(instanceConfig({ dbPath, url: tls.url, apiKey: await hub.nodeKey(), entities: ENTITIES }), { logger });
    const agent = new Agent({ engine, logger, maxBackoffMs: 60_000, live: false });
    const pos = openPos(dbPath);
    try {
      pos.prepare("INSERT INTO products (id, name, price) VALUES ('p1', 'Pizza', 10), ('p2', 'Soda', 3)").run();
      pos.prepare("INSERT INTO customers (id, first_name) VALUES ('c1', 'Ana')").run();

      const summary = await engine.sync();
      expect(summary.status).toBe('FAILED');
      expect(summary.errorCode).toBe('network');
      expect(summary.error).toBe(`network: GET /v1/status: ${UNTRUSTED}`);
      // No quick retries within the run: a certificate is not fixed within seconds.
      expect(logs).not.toContain('retrying hub request');

      // Nothing lost: every committed row still waits in the outbox.
      expect(outboxRows(pos).map((r) => [r.entity, r.row_key, r.status])).toEqual([
        ['products', 'p1', 'pending'],
        ['products', 'p2', 'pending'],
        ['customers', 'c1', 'pending'],
      ]);
      // Nothing reached the hub: no handshake completed, no request, no row.
      expect(tls.secured()).toBe(0);
      await waitFor(() => tls.refused.length > 0, 5000, 'the agent breaking off the handshake');
      expect(hub.requests).toEqual([]);
      expect(await hub.store.adminList('shop-1', 'products', ALL)).toEqual([]);
      expect(await hub.store.adminList('shop-1', 'customers', ALL)).toEqual([]);

      // The live agent: offline with the same words, and a retry scheduled by itself (transient),
      // so a certificate fixed on the hub is picked up without a restart.
      await agent.start();
      const status = await waitFor(() => (agent.status().nextRetryAt ? agent.status() : null), 15_000, 'the agent\'s retry after its first failed run');
      expect(status).toMatchObject({ state: 'offline', lastErrorCode: 'network', lastError: `network: GET /v1/status: ${UNTRUSTED}`, pending: 3 });
      expect(hub.requests).toEqual([]);
    } finally {
      await agent.stop();
      pos.close();
      await engine.close();
      await tls.stop();
      await hub.stop();
    }
  });

  test('dovetail sync: without trust exit 1 and the fix on screen; with NODE_EXTRA_CA_CERTS the rows reach the hub exactly once', async ({ dir }) => {
    const hub = await startHubWith(dir, () => undefined);
    const tls = await startTlsTerminator(hub.url, certificate);
    const trust = { NODE_EXTRA_CA_CERTS: certificate.certPath };
    try {
      writeFileSync(
        join(dir, 'dovetail.json'),
        JSON.stringify({ hub: { url: tls.url, apiKey: await hub.nodeKey() }, database: { type: 'sqlite', path: 'shop.db' }, entities: ENTITIES }),
      );
      const refused = await dovetail(['sync'], { cwd: dir });
      expect(refused.code, refused.stderr).toBe(1);
      expect(refused.stdout).toContain(`network: GET /v1/status: ${UNTRUSTED}`);
      expect(hub.requests).toEqual([]);

      const pos = openPos(join(dir, 'shop.db'));
      try {
        pos.prepare("INSERT INTO products (id, name, price) VALUES ('p1', 'Pizza', 10), ('p2', 'Soda', 3)").run();
        pos.prepare("INSERT INTO customers (id, first_name) VALUES ('c1', 'Ana')").run();
        await adminPut(hub.url, await hub.adminKey(), 'customers', 'c2', { id: 'c2', first_name: 'Bia' });

        const synced = await dovetail(['sync', '--json'], { cwd: dir, env: trust });
        expect(synced.code, synced.stderr).toBe(0);
        const [summary] = JSON.parse(synced.stdout) as { status: string; stats: { pushed: number; pulled: number } }[];
        expect(summary).toMatchObject({ status: 'DONE', stats: { pushed: 3, pulled: 1 } });
        expect(tls.secured()).toBeGreaterThan(0);
        expect(outboxRows(pos)).toEqual([]);
        expect(pos.prepare("SELECT first_name FROM customers WHERE id = 'c2'").get()).toEqual({ first_name: 'Bia' });

        // Exactly once: one push carried the three rows, the hub logged one change per row, and a
        // second sync sends nothing and changes no version.
        const hubRows = async () =>
          Object.fromEntries(
            (await Promise.all(['products', 'customers'].map((e) => hub.store.adminList('shop-1', e, ALL)))).flat().map((r) => [r.key, [r.version, r.data]]),
          );
        const before = await hubRows();
        expect(before).toEqual({
          p1: [expect.any(Number), { id: 'p1', name: 'Pizza', price: 10 }],
          p2: [expect.any(Number), { id: 'p2', name: 'Soda', price: 3 }],
          c1: [expect.any(Number), { id: 'c1', first_name: 'Ana', email: null, is_deleted: 0 }],
          c2: [expect.any(Number), { id: 'c2', first_name: 'Bia' }],
        });
        const again = await dovetail(['sync', '--json'], { cwd: dir, env: trust });
        expect(again.code, again.stderr).toBe(0);
        expect((JSON.parse(again.stdout) as { stats: { pushed: number } }[])[0]!.stats.pushed).toBe(0);
        expect(hub.requests.filter((r) => r === 'POST /v1/push')).toHaveLength(1);
        expect(await hubRows()).toEqual(before);
        const changes = async (entity: string) => (await hub.store.pull('shop-1', entity, 0, 1000)).changes.map((c) => c.key).sort();
        expect(await changes('products')).toEqual(['p1', 'p2']);
        expect(await changes('customers')).toEqual(['c1', 'c2']);
      } finally {
        pos.close();
      }
    } finally {
      await tls.stop();
      await hub.stop();
    }
  });

  test('dovetail run with NODE_EXTRA_CA_CERTS: the live channel connects over wss and brings a hub change at once', async ({ dir }) => {
    const hub = await startHubWith(dir, () => undefined);
    const tls = await startTlsTerminator(hub.url, certificate);
    writeFileSync(
      join(dir, 'dovetail.json'),
      // A 24 h polling interval: only the live channel can bring the hub's change within the wait below.
      JSON.stringify({
        hub: { url: tls.url, apiKey: await hub.nodeKey() },
        sync: { intervalMinutes: 24 * 60 },
        database: { type: 'sqlite', path: 'shop.db' },
        entities: ENTITIES,
      }),
    );
    const run = startRun(dir, { NODE_EXTRA_CA_CERTS: certificate.certPath });
    try {
      const online = () => run.lines.some((line) => line.includes('"msg":"connection online"'));
      await waitFor(online, 15_000, `"connection online" from dovetail run (stdout: ${run.lines.join('\n')}; stderr: ${run.stderr()})`);
      const sockets = hub.hub.live?.io.of('/sync').sockets.size ?? 0;
      expect(sockets).toBe(1);
      // The hub listens on plain HTTP and the agent only knows the https:// URL: the socket came through TLS.
      expect(tls.secured()).toBeGreaterThanOrEqual(2);

      await adminPut(hub.url, await hub.adminKey(), 'customers', 'c9', { id: 'c9', first_name: 'Live' });
      const pos = openPos(join(dir, 'shop.db'));
      try {
        await waitFor(() => count(pos, 'customers') === 1, 10_000, 'the hub change pulled after its live event');
        expect(pos.prepare("SELECT first_name FROM customers WHERE id = 'c9'").get()).toEqual({ first_name: 'Live' });
      } finally {
        pos.close();
      }
    } finally {
      run.child.kill('SIGTERM');
      const code = await run.exited;
      await tls.stop();
      await hub.stop();
      expect(code, run.stderr()).toBe(0);
    }
  });

  test('https:// to a port without TLS: said in words, no request reaches the hub', async ({ dir }) => {
    const hub = await startHubWith(dir, () => undefined);
    const plain = hub.url.replace('http://127.0.0.1', 'https://localhost');
    const engine = await openEngine(instanceConfig({ dbPath: join(dir, 'shop.db'), url: plain, apiKey: await hub.nodeKey(), entities: ENTITIES }));
    try {
      const summary = await engine.sync();
      expect(summary).toMatchObject({ status: 'FAILED', errorCode: 'network' });
      expect(summary.error).toMatch(/^network: GET \/v1\/status: the hub did not answer in TLS \(.+\): hub\.url says https:\/\/ but that port speaks plain HTTP/);
      expect(hub.requests).toEqual([]);
    } finally {
      await engine.close();
      await hub.stop();
    }
  });
});

describe('the TLS failures Node reports, in words', () => {
  const config = { method: 'get', url: '/v1/status', headers: new AxiosHeaders() };
  const fail = (code: string, message: string) => toSyncError(new AxiosError(message, code, config));
  const cases: [string, string, RegExp][] = [
    ['SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain', /is not trusted \(self-signed certificate in certificate chain, SELF_SIGNED_CERT_IN_CHAIN\): install a certificate from a public CA/],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'unable to get local issuer certificate', /is not trusted \(unable to get local issuer certificate, UNABLE_TO_GET_ISSUER_CERT_LOCALLY\)/],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate', /cannot be verified \(unable to verify the first certificate, UNABLE_TO_VERIFY_LEAF_SIGNATURE\): .*intermediate certificates/],
    ['CERT_HAS_EXPIRED', 'certificate has expired', /has expired \(certificate has expired, CERT_HAS_EXPIRED\): renew it on the hub/],
    ['CERT_NOT_YET_VALID', 'certificate is not yet valid', /is not valid yet .*date and time/],
    [
      'ERR_TLS_CERT_ALTNAME_INVALID',
      "Hostname/IP does not match certificate's altnames: Host: hub.example. is not in the cert's altnames: DNS:other.example",
      /is for another name \(Hostname\/IP does not match .*ERR_TLS_CERT_ALTNAME_INVALID\): put a name the certificate lists in hub\.url/,
    ],
  ];
  for (const [code, message, expected] of cases) {
    test(`${code}: network (retried later), with the problem and the fix`, () => {
      const error = fail(code, message);
      expect(error.code).toBe('network');
      expect(error.transient).toBe(true);
      expect(error.message).toMatch(/^GET \/v1\/status: the hub's TLS certificate /);
      expect(error.message).toMatch(expected);
      if (!/EXPIRED|NOT_YET|ALTNAME/.test(code)) expect(error.message).toContain(CA_FIX);
    });
  }

  test('other network failures keep their message', () => {
    expect(fail('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1').message).toBe('GET /v1/status: ECONNREFUSED connect ECONNREFUSED 127.0.0.1:1');
    expect(fail('ECONNRESET', 'socket hang up').message).toBe('GET /v1/status: ECONNRESET socket hang up');
  });
});
