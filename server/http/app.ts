// The HTTP application: security headers, body caps, authentication, the Origin rule for writes,
// the API routers, operations endpoints, the static client, and the one error handler.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import { createAdminMfaRouter } from './routes/admin-mfa.ts';
import { createAdminUsersRouter } from './routes/admin-users.ts';
import { requireMfaEnrolled } from './mfa-gate.ts';
import type { AuthDeps } from '../auth/deps.ts';
import { hasRole } from '../auth/roles.ts';
import { authenticate, currentPrincipal, originCheck, requireRole, requireUser } from './auth-middleware.ts';
import { createOidcSignIn } from './routes/oidc-sign-in.ts';
import { createProviderAdminRouter, createProviderPublicRouter } from './routes/providers.ts';
import type { ProviderRegistry } from '../auth/providers.ts';
import { provisionExternalUser } from '../auth/provisioning.ts';
import { createAuthRouter } from './routes/auth.ts';
import { createLoginThrottle } from '../auth/login-throttle.ts';
import type { Broker } from '../broker/broker.ts';
import type { SessionEvents } from '../broker/session-events.ts';
import type { Metrics } from '../metrics.ts';
import { createAdminRouter } from './routes/admin-fleet.ts';
import type { MetricsHistory } from '../../contract/api/admin.ts';
import type { DisplayUrl } from '../display/display-url.ts';
import { createHelpdeskRouter } from './routes/helpdesk.ts';
import type { Shadows } from '../broker/shadows.ts';
import type { Tickets } from '../broker/tickets.ts';
import { errorHandler, HttpError, notFoundHandler } from './errors.ts';
import { openApiDocument } from './openapi.ts';
import type { Snapshots } from '../broker/snapshots.ts';
import { createSessionRouter } from './routes/sessions.ts';
import { createSnapshotRouter } from './routes/snapshots.ts';
import { createAudioRouter, type AudioRouteDeps } from './routes/audio.ts';
import type { Guacd, GuacdState } from '../guacd/guacd.ts';
import { createMachineAdminRouter, createMachineUserRouter } from './routes/machines.ts';
import type { Machines } from '../broker/machines.ts';
import { createRecordingsRouter, type RecordingRoutesDeps } from './routes/recordings.ts';
import type { FileTransfers } from '../files/transfers.ts';
import { createFilesRouter } from './routes/files.ts';
import type { DiskUsageReport } from '../../contract/agent-v1.ts';

export interface AppDeps extends AuthDeps {
  broker: Broker;
  /** Snapshots of people's disks in personal VM pools. */
  snapshots: Snapshots;
  machines: Machines;
  events: SessionEvents;
  metrics: Metrics;
  maxBodyBytes: number;
  metricsPublic: boolean;
  connected: (hostId: string) => boolean;
  /** A connected host's last disk report (agents with disk-keeping drivers), else undefined. */
  diskUsage: (hostId: string) => DiskUsageReport | undefined;
  removeHost: (hostId: string, reason: string) => { control: boolean; streams: number };
  shadows: Shadows;
  tickets: Tickets;
  thumbnail: (sessionId: string) => Promise<Buffer>;
  /** Where a display ticket is opened (/ws/vnc or /ws/rdp), by the session's pool protocol. */
  displayUrl: DisplayUrl;
  history: () => Promise<MetricsHistory>;
  /** `guacd`: its state, reported beside the checks (it never makes the gateway unready). */
  ready: () => Promise<{ ok: boolean; checks: Record<string, boolean>; guacd?: GuacdState }>;
  guacd?: Guacd;
  clientDir?: string;
  providers: ProviderRegistry;
  publicUrl: () => string;
  /** Session recordings (server/recording/); absent in tests that do not need them. */
  recordings?: RecordingRoutesDeps;
  /** File transfer of sessions on desktops Deskport runs (server/files/). */
  files?: FileTransfers;
  /** The desktop's sound: tickets for /ws/audio (server/audio/). */
  audio: Omit<AudioRouteDeps, 'audit'>;
}

/**
 * Security headers (helmet) with a strict Content-Security-Policy: only our own scripts, styles,
 * fonts and connections (same-origin WebSockets included: Chromium and Firefox match ws:/wss: of our
 * own host against 'self'), images also from data: (the TOTP QR code) and blob: (viewer snapshots),
 * no plugins, no framing, no <base>. No 'unsafe-inline' anywhere: the Vite build emits no inline
 * script or style, and Preact and noVNC set styles through the CSSOM, which CSP does not govern.
 * The header is checked by test/integration/account-security.test.ts, the absence of violations in the
 * portal and a live desktop by test/e2e/account-security.test.ts. See docs/account-security.md.
 */
export function securityHeaders(options: { https: boolean }): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
        // Sign-in is a fetch, not a form post; external identity providers are reached by
        // navigation (links/redirects), which form-action does not govern.
        formAction: ["'self'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    // HSTS only means something over https; on a plain-http LAN gateway it would be ignored anyway.
    strictTransportSecurity: options.https ? { maxAge: 180 * 86400 } : false,
    // A same-origin app: nothing else may load our resources or open us in a shared window group.
    crossOriginResourcePolicy: { policy: 'same-origin' },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
  });
}

const isLoopback = (ip: string | undefined) => !!ip && (ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.'));

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.trustProxy ? 'loopback' : false);
  app.use(securityHeaders({ https: deps.config.cookieSecure }));

  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/readyz', async (_req, res) => {
    const r: { ok: boolean; checks: Record<string, boolean>; guacd?: GuacdState } = await deps
      .ready()
      .catch(() => ({ ok: false, checks: { store: false } }));
    res.status(r.ok ? 200 : 503).json({ status: r.ok ? 'ready' : 'not_ready', checks: r.checks, ...(r.guacd ? { guacd: r.guacd } : {}) });
  });

  // One throttle for every way of proving who one is (password, directory, code after a provider).
  const loginThrottle = createLoginThrottle(deps.store, deps.clock);
  const oidcSignIn = createOidcSignIn({ ...deps, throttle: loginThrottle });
  const api = express.Router();
  api.use(express.json({ limit: deps.maxBodyBytes, strict: true }));
  api.use(authenticate(deps));
  api.use(originCheck(deps));
  api.get('/openapi.json', (_req, res) => void res.json(openApiDocument));
  api.use(
    createAuthRouter(deps, {
      throttle: loginThrottle,
      directories: { list: () => deps.providers.ldap(), provision: (identity, ip) => provisionExternalUser(deps, identity, ip) },
      endSessionUrl: (userId) => oidcSignIn.endSessionUrl(userId),
    }),
  );
  api.use(createProviderPublicRouter(deps.providers));
  api.use(oidcSignIn.handler);
  // Until a person the MFA policy covers has enrolled, only their account routes (the auth router
  // above) answer: no desktops, tickets, shadowing or administration (docs/account-security.md).
  const enrolled = requireMfaEnrolled(deps);
  api.use('/admin', requireUser, requireRole('admin'), enrolled, createAdminUsersRouter(deps));
  api.use('/admin', requireUser, requireRole('admin'), enrolled, createAdminMfaRouter(deps));
  api.use('/admin', requireUser, requireRole('admin'), enrolled, createProviderAdminRouter(deps));
  api.use('/admin', requireUser, requireRole('admin'), enrolled, createAdminRouter(deps));
  api.use('/admin', requireUser, requireRole('admin'), enrolled, createMachineAdminRouter(deps.machines));
  api.use(requireUser, enrolled, createMachineUserRouter(deps.machines));
  api.use(requireUser, enrolled, createHelpdeskRouter(deps));
  if (deps.files) api.use(requireUser, enrolled, createFilesRouter(deps.files, { store: deps.store, clock: deps.clock }));
  api.use(requireUser, enrolled, createSessionRouter(deps));
  api.use(requireUser, enrolled, createSnapshotRouter(deps.snapshots));
  if (deps.recordings) api.use(requireUser, enrolled, createRecordingsRouter(deps.recordings));
  api.use(requireUser, enrolled, createAudioRouter({ ...deps.audio, audit: deps.audit }));
  app.use('/api/v1', api);

  app.get('/metrics', authenticate(deps), async (req, res) => {
    const p = currentPrincipal(res);
    // req.ip honours `trust proxy`: behind a local reverse proxy it is the real client, not loopback.
    if (!deps.metricsPublic && !isLoopback(req.ip) && !(p && hasRole(p.user, 'admin'))) {
      throw new HttpError(p ? 403 : 401, p ? 'forbidden' : 'unauthorized', 'Metrics are for admins (session or API token) or loopback.');
    }
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  const clientDir = deps.clientDir ?? fileURLToPath(new URL('../../client/dist/', import.meta.url));
  if (existsSync(clientDir)) {
    app.use(
      express.static(clientDir, {
        index: false,
        maxAge: '1h',
        setHeaders: (res, path) => path.endsWith('.html') && res.set('Cache-Control', 'no-cache'),
      }),
    );
    app.get(/^\/(?!api\/|ws\/|agent\/|metrics).*/, (req, res, next) =>
      req.accepts('html') ? res.sendFile('index.html', { root: clientDir, headers: { 'Cache-Control': 'no-cache' } }) : next(),
    );
  } else {
    app.get(
      '/',
      (_req, res) => void res.type('text').send('Deskport gateway is running, but the web client is not built. Run `npm run build`.'),
    );
  }
  app.use(notFoundHandler());
  app.use(errorHandler(deps.log));
  return app;
}
