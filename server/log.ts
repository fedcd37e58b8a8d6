// Structured JSON logs (pino). Secrets are redacted by path so a careless log call cannot leak them.
import { pino, type Logger } from 'pino';

export type { Logger };

const redact = {
  paths: [
    'password',
    '*.password',
    'secret',
    '*.secret',
    'token',
    '*.token',
    'ticket',
    '*.ticket',
    'key',
    '*.key',
    'credential',
    '*.credential',
    'privateKey',
    '*.privateKey',
    'vaultKey',
    '*.vaultKey',
    // guacd connection parameters of a machine (server/broker/machines.ts) carry its login
    'settings',
    '*.settings',
    'req.headers.cookie',
    'req.headers.authorization',
    'headers.cookie',
    'headers.authorization',
  ],
  censor: '[redacted]',
};

export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const opts = { level: options.level ?? 'info', redact, base: { svc: 'deskport' } };
  return options.destination ? pino(opts, options.destination as pino.DestinationStream) : pino(opts);
}

/** A logger that writes nothing, for tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
