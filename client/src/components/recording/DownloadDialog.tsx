// Download of a recording as its raw file(s), each with the SHA-256 to check the copy against (the
// same value the audit log holds for the finished file). A VNC recording of several parts downloads
// part by part; every part plays on its own.
import { useEffect, useRef } from 'preact/hooks';
import { downloadUrl, type Recording } from '../../api/recordings.ts';
import { formatBytes } from '../../modules/recording/bytes.ts';
import { CopyButton } from '../CopyButton.tsx';

export function recordingFileName(r: Recording, part: number): string {
  return `${r.id}-${part}.${r.kind === 'rfb' ? 'dprec' : 'guac'}`;
}

export function DownloadDialog({ recording: r, onClose }: { recording: Recording; onClose(): void }) {
  const closeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    closeRef.current?.focus();
    const onKey = (ev: KeyboardEvent): void => {
      if (ev.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  const parts = r.parts.length > 0 ? r.parts : [{ n: 0, bytes: r.sizeBytes }];
  return (
    <div class="modal-backdrop" onClick={(ev) => ev.target === ev.currentTarget && onClose()}>
      <div class="modal modal--wide" role="dialog" aria-modal="true" aria-labelledby="download-title" data-testid="download-dialog">
        <h2 id="download-title" class="modal__title">
          Download the recording
        </h2>
        <div class="modal__body">
          <p>
            The raw {r.kind === 'rfb' ? '.dprec (VNC)' : '.guac (RDP/SSH)'} file
            {parts.length > 1 ? `s, one per part; each plays on its own` : ''}. Check a copy with <code>sha256sum</code>.
          </p>
          <ul class="download-parts">
            {parts.map((p) => (
              <li key={p.n} data-testid={`download-part-${p.n}`}>
                <a
                  class="btn btn--primary btn--sm"
                  href={downloadUrl(r.id, p.n)}
                  download={recordingFileName(r, p.n)}
                  data-testid="download-link"
                >
                  {parts.length > 1 ? `Part ${p.n + 1}` : 'Download'} ({formatBytes(p.bytes)})
                </a>
                {p.sha256 ? (
                  <span class="checksum">
                    <code class="mono" data-testid="download-sha256">
                      {p.sha256}
                    </code>
                    <CopyButton text={p.sha256} label={`Copy the SHA-256 of part ${p.n + 1}`} />
                  </span>
                ) : (
                  <span class="muted small" data-testid="download-sha256">
                    No checksum yet: this part is still being written. It is computed when the part is finished.
                  </span>
                )}
              </li>
            ))}
          </ul>
        </div>
        <div class="modal__actions">
          <button ref={closeRef} type="button" class="btn btn--secondary btn--md" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
    </div>
  );
}
