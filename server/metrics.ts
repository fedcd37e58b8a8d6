// Prometheus metrics (prom-client): sessions by state, launch latency, relay bytes, agents online,
// viewers, ticket rejections. Gauges that mirror the store are computed at scrape time.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BrokerMetrics } from './broker/transitions.ts';
import { ClientMessageType } from './rfb/constants.ts';
import type { SessionState, Store } from './store/types.ts';
import type { GuacdStatus } from './guacd/guacd.ts';

/** RFB client message type → metric label ('KeyEvent' → 'key_event'); unknown numbers stay numbers. */
const TYPE_LABEL: ReadonlyMap<number, string> = new Map(
  Object.entries(ClientMessageType).map(([name, n]) => [n, name.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase()]),
);

export interface Metrics extends BrokerMetrics {
  registry: Registry;
  relayBytes(direction: 'toBrowser' | 'toDesktop', n: number): void;
  /** A viewer message the relay did not forward: a view-only viewer's input, or an unannounced extension.
   *  `type` is an RFB message type (/ws/vnc) or a Guacamole opcode (/ws/rdp). */
  droppedInput(type: number | string, reason: 'view_only' | 'not_announced'): void;
  /** Desktop clipboard messages withheld from a view-only viewer. */
  withheldClipboard(count: number): void;
  displayRefused(): void;
  /** A local process other than guacd connected first to a display's loopback forward (server/display/peer-check.ts). */
  forwardPeerRefused(): void;
}

export function createMetrics(deps: {
  store: Store;
  agentsOnline: () => number;
  viewers: () => number;
  history?: { recordLaunch(s: number): void; recordBytes(n: number): void };
  guacd?: () => GuacdStatus;
  /** Session recording (server/recording/setup.ts): stored bytes, failures so far, recorders running. */
  recording?: () => { bytes: number; failures: number; active: number };
}): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'deskport_process_' });
  const live: SessionState[] = ['starting', 'ready', 'ending', 'lost'];
  new Gauge({
    name: 'deskport_sessions',
    help: 'Live sessions by state.',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const counts = await deps.store.countSessionsByState(live);
      for (const s of live) this.set({ state: s }, counts[s] ?? 0);
    },
  });
  new Gauge({
    name: 'deskport_warm_spares',
    help: 'Ownerless desktops kept for instant launches, by state.',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const spares = await deps.store.listDesktops({ ownerless: true, state: ['creating', 'running'] });
      for (const st of ['creating', 'running'] as const) this.set({ state: st }, spares.filter((d) => d.state === st).length);
    },
  });
  new Gauge({
    name: 'deskport_agents_online',
    help: 'Agents connected to this gateway.',
    registers: [registry],
    collect() {
      this.set(deps.agentsOnline());
    },
  });
  new Gauge({
    name: 'deskport_viewers',
    help: 'Open display connections.',
    registers: [registry],
    collect() {
      this.set(deps.viewers());
    },
  });
  new Gauge({
    name: 'deskport_guacd_up',
    help: 'Whether guacd (RDP/SSH) answers: 1 up, 0 down or absent.',
    registers: [registry],
    collect() {
      this.set(deps.guacd?.().state === 'up' ? 1 : 0);
    },
  });
  new Counter({
    name: 'deskport_guacd_restarts_total',
    help: 'Times the supervised guacd was started again after it ended.',
    registers: [registry],
    collect() {
      // The supervisor counts; the counter mirrors it at scrape time.
      this.reset();
      this.inc(deps.guacd?.().restarts ?? 0);
    },
  });
  new Gauge({
    name: 'deskport_recordings_bytes',
    help: 'Bytes of stored session recordings (what the recordings quota counts).',
    registers: [registry],
    collect() {
      this.set(deps.recording?.().bytes ?? 0);
    },
  });
  new Counter({
    name: 'deskport_recording_failures_total',
    help: 'Recordings that could not be made or broke off (storage full, write error, desktop unreachable).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(deps.recording?.().failures ?? 0);
    },
  });
  new Gauge({
    name: 'deskport_recorders_active',
    help: 'Sessions being recorded now (gateway VNC recorders and guacd connections with recording on).',
    registers: [registry],
    collect() {
      this.set(deps.recording?.().active ?? 0);
    },
  });
  const launch = new Histogram({
    name: 'deskport_launch_seconds',
    help: 'From launch request to desktop ready.',
    labelNames: ['warm'],
    buckets: [0.25, 0.5, 1, 2, 4, 8, 16, 32, 64],
    registers: [registry],
  });
  const ended = new Counter({
    name: 'deskport_sessions_ended_total',
    help: 'Sessions ended, by reason.',
    labelNames: ['reason'],
    registers: [registry],
  });
  const rejected = new Counter({
    name: 'deskport_ticket_rejections_total',
    help: 'Display tickets refused, by reason.',
    labelNames: ['reason'],
    registers: [registry],
  });
  const bytes = new Counter({
    name: 'deskport_relay_bytes_total',
    help: 'Bytes relayed, by direction.',
    labelNames: ['direction'],
    registers: [registry],
  });
  const dropped = new Counter({
    name: 'deskport_relay_dropped_input_total',
    help: 'Viewer messages the gateway did not forward, by RFB message type and reason (view_only: input of a view-only viewer; not_announced: an extension message the viewer never announced).',
    labelNames: ['type', 'reason'],
    registers: [registry],
  });
  const withheld = new Counter({
    name: 'deskport_relay_withheld_clipboard_total',
    help: 'Desktop clipboard messages withheld from view-only viewers.',
    registers: [registry],
  });
  const refused = new Counter({
    name: 'deskport_display_refused_total',
    help: 'New displays refused because the gateway was overloaded.',
    registers: [registry],
  });
  const peerRefused = new Counter({
    name: 'deskport_forward_peer_refused_total',
    help: 'Connections to a display forward refused because they did not come from guacd.',
    registers: [registry],
  });
  // Bound children: the relay calls these per message, so no label lookup on the hot path.
  const toBrowser = bytes.labels({ direction: 'to_browser' });
  const toDesktop = bytes.labels({ direction: 'to_desktop' });
  return {
    registry,
    launchSeconds: (s, warm) => {
      launch.observe({ warm: String(warm) }, s);
      deps.history?.recordLaunch(s);
    },
    sessionEnded: (reason) => ended.inc({ reason }),
    ticketRejected: (reason) => rejected.inc({ reason }),
    relayBytes: (direction, n) => {
      if (direction === 'toBrowser') {
        toBrowser.inc(n);
        deps.history?.recordBytes(n);
      } else toDesktop.inc(n);
    },
    droppedInput: (type, reason) => dropped.inc({ type: typeof type === 'string' ? type : (TYPE_LABEL.get(type) ?? String(type)), reason }),
    withheldClipboard: (count) => withheld.inc(count),
    displayRefused: () => refused.inc(),
    forwardPeerRefused: () => peerRefused.inc(),
  };
}
