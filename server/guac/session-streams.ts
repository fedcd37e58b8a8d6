// One /ws/rdp display's share of the session policy: guacd's parameters for it (clipboard switches,
// RDP drive or SSH SFTP), the gateway's stream filter both ways (stream-policy.ts), and the RDP drive
// folder on the gateway, shared by the session's displays and removed a minute after the last of them
// closes (a reloaded page finds its files again; an ended session's displays all close).
import { lstatSync, mkdirSync, rmSync, unlinkSync } from 'node:fs';
import { join, sep } from 'node:path';
import type { SessionPolicy } from '../../contract/api/policy.ts';
import type { TicketMode } from '../../contract/api/desktops.ts';
import type { GuacdSettings } from 'guacamole-lite/lib/GuacdClient.js';
import { createInstructionParser } from './instructions.ts';
import { clipboardParams, fileParams } from './settings.ts';
import { createStreamPolicy, opcodeOf, type StreamPolicyEvents, type StreamSide } from './stream-policy.ts';

/** What each display adds to its guacd connection and stream path. */
export interface DisplayStreams {
  params: GuacdSettings;
  /** The browser's streams, for the guard (control displays only). */
  fromBrowser?: StreamSide;
  /** guacd's instruction (one whole instruction) → the text for the browser; refusals for guacd go to `toGuacd`. */
  fromGuacd(raw: string, toGuacd: (text: string) => void): string;
  /** The display closed: the RDP drive folder goes with the session's last display. */
  close(): void;
}

/** Opcodes of guacd's that may open or carry a stream the policy follows. */
const FOLLOWED = new Set(['clipboard', 'file', 'body']);
const CARRIERS = new Set(['blob', 'end', 'img', 'audio', 'video', 'pipe', 'argv']);
/** guacd's instructions are at most a few KiB of base64; generous, as in clipboard-withhold.ts. */
const FROM_GUACD = { maxInstructionChars: 1 << 20, maxElements: 4096 };

/** Folder name of a session's drive: its id, checked, so it cannot leave the drives folder. */
const SESSION_ID = /^[A-Za-z0-9_-]{1,64}$/;
const driveUsers = new Map<string, number>();
const driveTimers = new Map<string, NodeJS.Timeout>();
/** How long an RDP drive folder outlives its session's last display. */
export const DRIVE_GRACE_MS = 60_000;

/** At start-up no display is open: every drive folder left by a previous run goes. */
export function sweepDrives(drivesDir: string): void {
  rmSync(drivesDir, { recursive: true, force: true });
  mkdirSync(drivesDir, { recursive: true, mode: 0o700 });
}

export function displayStreams(o: {
  policy: SessionPolicy;
  mode: TicketMode;
  /** A helpdesk join: guacd takes no connection parameters for it. */
  join: boolean;
  protocol: 'rdp' | 'vnc' | 'ssh';
  /** Existing machines get files; Deskport's own RDP desktops get the gateway's file API (not guacd's). */
  machine: boolean;
  sessionId: string;
  /** Where RDP drive folders live (<dataDir>/guac-drives); without it, no RDP drive. */
  drivesDir?: string;
  username?: string;
  events: StreamPolicyEvents;
  /** Default DRIVE_GRACE_MS. */
  driveGraceMs?: number;
}): DisplayStreams {
  const graceMs = o.driveGraceMs ?? DRIVE_GRACE_MS;
  const p = o.policy;
  const clipboard = {
    toDesktop: p.clipboard === 'both' || p.clipboard === 'to_desktop',
    fromDesktop: p.clipboard === 'both' || p.clipboard === 'from_desktop',
    maxBytes: p.clipboardMaxKb * 1024,
  };
  const files = { upload: p.fileUpload && o.machine, download: p.fileDownload && o.machine, maxBytes: p.fileMaxMb * 1024 * 1024 };
  let drive: string | undefined;
  const policy = createStreamPolicy(
    { clipboard, files },
    { ...o.events, removePartial: (name) => !!drive && removeFromDrive(drive, name) },
  );
  if (o.machine && o.protocol === 'rdp' && o.drivesDir && SESSION_ID.test(o.sessionId) && (files.upload || files.download)) {
    drive = join(o.drivesDir, o.sessionId);
    mkdirSync(drive, { recursive: true, mode: 0o700 });
    driveUsers.set(drive, (driveUsers.get(drive) ?? 0) + 1);
    clearTimeout(driveTimers.get(drive));
    driveTimers.delete(drive);
  }
  const params: GuacdSettings = o.join
    ? {}
    : {
        ...clipboardParams(clipboard),
        ...(o.mode === 'control' && o.machine ? fileParams(o.protocol, files, { drivePath: drive, username: o.username }) : {}),
      };
  const parser = createInstructionParser(FROM_GUACD);
  let closed = false;
  return {
    params,
    fromBrowser: o.mode === 'control' ? policy.fromBrowser : undefined,
    fromGuacd(raw, toGuacd) {
      const op = opcodeOf(raw);
      if (!FOLLOWED.has(op) && !(CARRIERS.has(op) && policy.fromGuacd.active() > 0)) return raw;
      const ins = parser.push(raw)[0];
      if (!ins) return raw;
      const back: string[] = [];
      const on: string[] = [];
      const r = policy.fromGuacd.take(ins, back, on);
      for (const b of back) toGuacd(b);
      return (r ?? raw) + on.join('');
    },
    close() {
      if (closed) return;
      closed = true;
      policy.fromBrowser.close();
      policy.fromGuacd.close();
      if (!drive) return;
      const left = (driveUsers.get(drive) ?? 1) - 1;
      if (left > 0) return void driveUsers.set(drive, left);
      driveUsers.delete(drive);
      const d = drive;
      const t = setTimeout(() => {
        driveTimers.delete(d);
        if (!driveUsers.has(d)) rmSync(d, { recursive: true, force: true });
      }, graceMs);
      t.unref();
      driveTimers.set(d, t);
    },
  };
}

/**
 * Removes an upload's partial file from the session's drive folder: `name` as the browser gave it to
 * guacd ("/folder/file", either slash), never climbing out, never following a link. True when removed.
 */
export function removeFromDrive(drive: string, name: string): boolean {
  const parts = name.split(/[\\/]/).filter((p) => p !== '');
  if (parts.length === 0 || parts.some((p) => p === '.' || p === '..' || p.includes('\0'))) return false;
  const path = join(drive, ...parts);
  if (!path.startsWith(drive + sep)) return false;
  try {
    if (!lstatSync(path).isFile()) return false;
    unlinkSync(path);
    return true;
  } catch {
    return false;
  }
}
