// Download of a recording as its raw file, with the SHA-256 to check the copy against (the same
// value the audit log holds for the finished file).
import { useEffect, useRef } from 'preact/hooks';
import { downloadUrl, type Recording } from '../../api/recordings.ts';
import { CopyButton } from '../CopyButton.tsx';

export function recordingFileName(r: Recording): string {
  return `recording-${r.id}.${r.kind === 'rfb' ? 'dprec' : 'guac'}`;
}

export function DownloadDialog({ recording: r, onClose }: { recording: Recording; onClose(): void }) {
  const linkRef = useRef<HTMLAnchorElement>(null);
  useEffect(() => {
    linkRef.current?.focus();
    const onKey = (ev: KeyboardEvent): void => {
      if (ev.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <div class="modal-backdrop" onClick={(ev) => ev.target === ev.currentTarget && onClose()}>
      <div class="modal" role="dialog" aria-modal="true" aria-labelledby="download-title" data-testid="download-dialog">
        <h2 id="download-title" class="modal__title">
          Download the recording
        </h2>
        <div class="modal__body">
          <p>
            The raw {r.kind === 'rfb' ? '.dprec (VNC)' : '.guac (RDP/SSH)'} file{r.parts > 1 ? ` (${r.parts} parts in one download)` : ''}.
            Check your copy with <code>sha256sum</code>:
          </p>
          {r.sha256 ? (
            <div class="checksum">
              <code class="mono" data-testid="download-sha256">
                {r.sha256}
              </code>
              <CopyButton text={r.sha256} label="Copy the SHA-256" />
            </div>
          ) : (
            <p class="muted" data-testid="download-sha256">
              No checksum yet: the session is still being recorded. It is computed when the recording ends.
            </p>
          )}
        </div>
        <div class="modal__actions">
          <button type="button" class="btn btn--secondary btn--md" onClick={onClose}>
            Close
          </button>
          <a
            ref={linkRef}
            class="btn btn--primary btn--md"
            href={downloadUrl(r.id)}
            download={recordingFileName(r)}
            data-testid="download-link"
          >
            Download
          </a>
        </div>
      </div>
    </div>
  );
}
