// The "Recording, files, clipboard and sound" sections of the pool and machine forms: one editor
// for contract/api/policy.ts SessionPolicy, so both forms say the same things the same way.
import type { ClipboardMode, RecordingMode } from '../../../../contract/api/policy.ts';
import type { PolicyDraft } from '../../modules/policyForm.ts';
import { CheckField } from '../CheckField.tsx';
import { FieldNote } from '../FieldNote.tsx';
import { SelectField } from '../SelectField.tsx';
import { TextField } from '../TextField.tsx';

const RECORDING: { value: RecordingMode; label: string }[] = [
  { value: 'off', label: 'Off' },
  { value: 'on', label: 'Whole session' },
  { value: 'shadow', label: 'Only while helpdesk is watching' },
];
const CLIPBOARD: { value: ClipboardMode; label: string }[] = [
  { value: 'both', label: 'Both ways' },
  { value: 'to_desktop', label: 'Browser → desktop only' },
  { value: 'from_desktop', label: 'Desktop → browser only' },
  { value: 'none', label: 'Off' },
];

interface Props {
  /** Prefix of element ids, e.g. "pool" → "pool-policy-recording". */
  id: string;
  draft: PolicyDraft;
  onChange(draft: PolicyDraft): void;
  /** Keyed "policy.<field>", plus "policy" for the gateway's problems with the whole object. */
  errors: Record<string, string>;
}

export function PolicyFields({ id, draft, onChange, errors }: Props) {
  const set =
    <K extends keyof PolicyDraft>(k: K) =>
    (v: PolicyDraft[K]) =>
      onChange({ ...draft, [k]: v });
  const fid = (k: keyof PolicyDraft) => `${id}-policy-${k}`;
  const err = (k: keyof PolicyDraft) => errors[`policy.${k}`];
  const recording = draft.recording !== 'off';
  return (
    <>
      <section class="form-section" aria-labelledby={`${id}-policy-recording-h`}>
        <h3 id={`${id}-policy-recording-h`}>Recording</h3>
        <div class="form-grid">
          <SelectField
            id={fid('recording')}
            name="policy.recording"
            label="Record sessions"
            value={draft.recording}
            options={RECORDING}
            onValue={set('recording')}
            error={err('recording')}
            hint="The person sees a notice while recorded. Admins and helpdesk play recordings under Recordings."
          />
          <TextField
            id={fid('recordingRetentionDays')}
            name="policy.recordingRetentionDays"
            label="Keep recordings (days)"
            value={draft.recordingRetentionDays}
            onValue={set('recordingRetentionDays')}
            inputMode="numeric"
            error={err('recordingRetentionDays')}
            hint="Deleted automatically afterwards."
          />
        </div>
        {recording && (
          <CheckField
            id={fid('recordingRequired')}
            name="policy.recordingRequired"
            label="Recording is required"
            help="When recordings cannot be written (storage full), refuse new sessions instead of running them unrecorded."
            checked={draft.recordingRequired}
            onValue={set('recordingRequired')}
            error={err('recordingRequired')}
          />
        )}
      </section>
      <section class="form-section" aria-labelledby={`${id}-policy-files-h`}>
        <h3 id={`${id}-policy-files-h`}>Files and clipboard</h3>
        <div class="form-grid">
          <CheckField
            id={fid('fileUpload')}
            name="policy.fileUpload"
            label="Upload files to the desktop"
            checked={draft.fileUpload}
            onValue={set('fileUpload')}
            error={err('fileUpload')}
          />
          <CheckField
            id={fid('fileDownload')}
            name="policy.fileDownload"
            label="Download files from the desktop"
            checked={draft.fileDownload}
            onValue={set('fileDownload')}
            error={err('fileDownload')}
          />
          <TextField
            id={fid('fileMaxMb')}
            name="policy.fileMaxMb"
            label="Largest file (MB)"
            value={draft.fileMaxMb}
            onValue={set('fileMaxMb')}
            inputMode="numeric"
            error={err('fileMaxMb')}
          />
          <SelectField
            id={fid('clipboard')}
            name="policy.clipboard"
            label="Clipboard"
            value={draft.clipboard}
            options={CLIPBOARD}
            onValue={set('clipboard')}
            error={err('clipboard')}
          />
          <TextField
            id={fid('clipboardMaxKb')}
            name="policy.clipboardMaxKb"
            label="Largest clipboard text (KB)"
            value={draft.clipboardMaxKb}
            onValue={set('clipboardMaxKb')}
            inputMode="numeric"
            error={err('clipboardMaxKb')}
            hint="Larger texts are dropped, not cut."
          />
          <CheckField
            id={fid('audio')}
            name="policy.audio"
            label="Play the desktop's sound in the browser"
            checked={draft.audio}
            onValue={set('audio')}
            error={err('audio')}
          />
        </div>
        <FieldNote id={`${id}-policy`} error={errors.policy} />
      </section>
    </>
  );
}
