// The session-policy part of the pool and machine forms: text the admin types ↔ SessionPolicy.
// Numbers are checked against the contract's ranges (contract/api/policy.ts, the gateway checks
// the same); problems are keyed "policy.<field>" so they land under the field they concern.
import { POLICY_LIMITS, type ClipboardMode, type RecordingMode, type SessionPolicy } from '../../../contract/api/policy.ts';

export interface PolicyDraft {
  recording: RecordingMode;
  recordingRetentionDays: string;
  recordingRequired: boolean;
  fileUpload: boolean;
  fileDownload: boolean;
  fileMaxMb: string;
  clipboard: ClipboardMode;
  clipboardMaxKb: string;
  audio: boolean;
}

export const draftFromPolicy = (p: SessionPolicy): PolicyDraft => ({
  ...p,
  recordingRetentionDays: String(p.recordingRetentionDays),
  fileMaxMb: String(p.fileMaxMb),
  clipboardMaxKb: String(p.clipboardMaxKb),
});

type NumberField = 'recordingRetentionDays' | 'fileMaxMb' | 'clipboardMaxKb';

/** The policy the draft says, adding "policy.<field>" problems to `errors` for numbers out of range. */
export function policyFromDraft(d: PolicyDraft, errors: Record<string, string>): SessionPolicy {
  const whole = (field: NumberField): number => {
    const t = d[field].trim();
    const { min, max } = POLICY_LIMITS[field];
    const n = /^\d+$/.test(t) ? Number(t) : NaN;
    if (!(n >= min && n <= max)) errors[`policy.${field}`] = `must be a whole number from ${min} to ${max}`;
    return Number.isFinite(n) ? n : min;
  };
  return {
    recording: d.recording,
    recordingRetentionDays: whole('recordingRetentionDays'),
    recordingRequired: d.recordingRequired,
    fileUpload: d.fileUpload,
    fileDownload: d.fileDownload,
    fileMaxMb: whole('fileMaxMb'),
    clipboard: d.clipboard,
    clipboardMaxKb: whole('clipboardMaxKb'),
    audio: d.audio,
  };
}

export const samePolicy = (a: SessionPolicy, b: SessionPolicy): boolean =>
  (Object.keys(a) as (keyof SessionPolicy)[]).every((k) => a[k] === b[k]);
