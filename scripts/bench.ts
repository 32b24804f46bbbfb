/**
 * Dovetail benchmark: `npm run bench [-- METRIC…]`.
 *
 * Runs each metric against a real hub in a child process (scripts/bench/hub-child.ts) on loopback,
 * with temp databases that are removed afterwards. Prints a table, then one JSON line per metric:
 *   {"metric": "NAME", "value": NUMBER, "unit": "UNIT"}
 * Progress goes to stderr. Exit code 1 when a metric fails its verification or errors (no JSON
 * line is printed for it); missing a target does not change the exit code.
 *
 * The live metrics (scripts/bench/live.ts) run the agent in a second child (scripts/bench/agent-child.ts).
 *
 * Environment knobs (BENCH_PULL_PAGE, BENCH_PUSH_BATCH, BENCH_REPEAT, BENCH_CPU_PROF, BENCH_HUB_CPU_PROF,
 * BENCH_LIVE_CHANGES, BENCH_IDLE_SECONDS):
 * see `npm run bench -- --help`.
 */
import { cpus, loadavg } from 'node:os';
import { LIVE_SIZES } from './bench/live.js';
import { METRICS, SIZES, TUNING, type MetricDef, type MetricResult } from './bench/metrics.js';
import { fmt, progress, removeLeftoverDirs, withTimeout } from './bench/util.js';

const METRIC_TIMEOUT_MS = 10 * 60_000;

interface Outcome {
  readonly def: MetricDef;
  readonly result?: MetricResult;
  readonly error?: string;
  readonly ms: number;
}

function usage(): string {
  return [
    'usage: npm run bench [-- METRIC…]',
    '',
    'metrics:',
    ...METRICS.map((m) => `  ${m.name.padEnd(26)} ${m.description} (target ${targetText(m)})`),
    '',
    'environment:',
    '  BENCH_PULL_PAGE=N     engine pullPageSize (default 5000)',
    '  BENCH_PUSH_BATCH=N    engine pushBatchSize (default 1000)',
    '  BENCH_REPEAT=N        fresh-agent repetitions of the pull and push timings (default 3, median reported)',
    '  BENCH_CPU_PROF=DIR    write a .cpuprofile of each timed pull/push sync (agent process) to DIR',
    '  BENCH_HUB_CPU_PROF=DIR  run the hub child under node --cpu-prof, profiles written to DIR',
    '  BENCH_MYSQL_PORT / BENCH_MYSQL_USER / BENCH_MYSQL_PASSWORD  MariaDB/MySQL on 127.0.0.1 for the mysql_* metrics (default 3306 / root / empty)',
    `  BENCH_LIVE_CHANGES=N  measured changes per direction for the live_* latencies (default 500, at most 1000: hub rate limit)`,
    `  BENCH_IDLE_SECONDS=N  idle_* sampling window (default 30)`,
    '  BENCH_CONFLICT_ROWS=N rows of the conflict_10pct_* sync (default 10000; runs repeat BENCH_REPEAT times)',
  ].join('\n');
}

function targetText(def: MetricDef): string {
  const op = def.kind === 'min' ? '≥' : def.strict ? '<' : '≤';
  return `${op} ${fmt(def.target, def.target % 1 === 0 ? 0 : 2)} ${def.unit}`;
}

function meets(def: MetricDef, value: number): boolean {
  if (def.kind === 'min') return value >= def.target;
  return def.strict ? value < def.target : value <= def.target;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function jsonLine(def: MetricDef, value: number): string {
  return `{"metric": ${JSON.stringify(def.name)}, "value": ${round(value, def.digits)}, "unit": ${JSON.stringify(def.unit)}}`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

function loadText(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
}

function report(outcomes: readonly Outcome[], loadAtStart: string): string {
  const header = ['metric', 'value', 'unit', 'target', 'value/target', 'result'];
  const rows = outcomes.map((o) => {
    if (!o.result) return [o.def.name, '—', o.def.unit, targetText(o.def), '—', 'ERROR'];
    const value = o.result.value;
    return [
      o.def.name,
      fmt(value, o.def.digits),
      o.def.unit,
      targetText(o.def),
      fmt(value / o.def.target, 2),
      meets(o.def, value) ? 'ok' : 'MISSED',
    ];
  });
  // Metrics with a reference figure (a seed's, a bare baseline) show it beside the value.
  if (outcomes.some((o) => o.result?.reference)) {
    header.push('reference', 'value/ref');
    outcomes.forEach((o, i) => {
      const ref = o.result?.reference;
      const ratio = ref && o.result ? o.result.value / ref.value : 0;
      rows[i]!.push(ref?.text ?? '', ref ? (ratio >= 0.1 ? fmt(ratio, 2) : ratio.toPrecision(2)) : '');
    });
  }
  const out = [
    '',
    'Dovetail benchmark',
    `node ${process.version}, ${cpus().length} CPU(s) (${cpus()[0]?.model.trim() ?? 'unknown'}), ${process.platform}/${process.arch}`,
    `load average (1/5/15 min): ${loadAtStart} at start, ${loadText()} at end` +
      (loadavg()[0]! > cpus().length ? ' — machine busy: figures are pessimistic and noisy' : ''),
    `engine: pullPageSize ${fmt(TUNING.pullPageSize)}, pushBatchSize ${fmt(TUNING.pushBatchSize)}; hub in a child process on 127.0.0.1; SQLite WAL, synchronous=FULL`,
    `sizes: pull ${fmt(SIZES.pullRows)} rows and push ${fmt(SIZES.pushRows)} rows (median of ${SIZES.repeats} fresh agents each), incremental ${SIZES.incrementalRows} rows × ${SIZES.incrementalRuns} runs on ${fmt(SIZES.incrementalBaseRows)}, capture ${fmt(SIZES.captureRows)} rows / ${SIZES.captureBatch} per tx`,
    `live: agent in its own child process (live channel, 24 h polling); ${fmt(LIVE_SIZES.changes)} sequential changes each way after ${LIVE_SIZES.warmup} warm-up; idle window ${LIVE_SIZES.idleSeconds} s`,
    '',
    table([header, ...rows]),
    '',
  ];
  for (const o of outcomes) {
    out.push(`${o.def.name} — ${o.def.description} [${fmt(o.ms / 1000, 1)} s]`);
    if (o.error) out.push(`  ERROR: ${o.error}`);
    for (const note of o.result?.notes ?? []) out.push(`  ${note}`);
  }
  out.push('');
  return out.join('\n');
}

async function main(): Promise<number> {
  const args = process.argv.slice(2).filter((a) => a !== '--');
  if (args.includes('-h') || args.includes('--help')) {
    console.log(usage());
    return 0;
  }
  const unknown = args.filter((a) => !METRICS.some((m) => m.name === a));
  if (unknown.length > 0) {
    console.error(`unknown metric(s): ${unknown.join(', ')}\n\n${usage()}`);
    return 2;
  }
  const selected = args.length === 0 ? METRICS : METRICS.filter((m) => args.includes(m.name));

  const loadAtStart = loadText();
  const outcomes: Outcome[] = [];
  for (const def of selected) {
    progress(`${def.name}: ${def.description}`);
    const start = performance.now();
    try {
      const result = await withTimeout(def.run(), METRIC_TIMEOUT_MS, def.name);
      outcomes.push({ def, result, ms: performance.now() - start });
      progress(`${def.name} = ${fmt(result.value, def.digits)} ${def.unit}`);
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      console.error(`[bench] ${def.name} FAILED: ${message}`);
      outcomes.push({ def, error: error instanceof Error ? error.message : String(error), ms: performance.now() - start });
    }
  }

  console.log(report(outcomes, loadAtStart));
  for (const o of outcomes) if (o.result) console.log(jsonLine(o.def, o.result.value));
  return outcomes.some((o) => o.error) ? 1 : 0;
}

process.once('SIGINT', () => {
  removeLeftoverDirs();
  process.exit(130);
});

main().then(
  (code) => {
    removeLeftoverDirs();
    process.exit(code);
  },
  (error: unknown) => {
    console.error(error);
    removeLeftoverDirs();
    process.exit(1);
  },
);
