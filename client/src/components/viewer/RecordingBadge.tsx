// The viewer's recording notice: a red-dot badge in the toolbar while the gateway records the
// session, and a line under "Connecting…" when the session's policy records it.
export function RecordingBadge({ active }: { active: boolean }) {
  if (!active) return null;
  return (
    <span class="recording-badge" data-testid="recording-badge" title="This session is being recorded" role="status">
      <span class="recording-badge__dot" aria-hidden="true" />
      Recording
    </span>
  );
}

export const RECORDING_NOTICE = 'This session is being recorded.';
