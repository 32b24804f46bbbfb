import pino, { type Logger } from 'pino';

/** The agent's pino logger: keys are never written, whatever object carries them. */
export function createLogger(opts: { level?: string; destination?: NodeJS.WritableStream | number } = {}): Logger {
  const destination = opts.destination ?? 2;
  return pino(
    {
      level: opts.level ?? 'info',
      base: undefined,
      redact: {
        paths: ['apiKey', '*.apiKey', 'hub.apiKey', '*.headers["x-api-key"]', 'headers["x-api-key"]', 'auth.apiKey'],
        censor: '[redacted]',
      },
    },
    typeof destination === 'number' ? pino.destination({ fd: destination, sync: true }) : destination,
  );
}

/** A logger that drops everything (tests, benchmarks). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
