// File transfer in the viewer: the side panel (when open) and the drop zone over the display. The
// viewer page gives it a way to open a FileSource (the gateway's API for our desktops; another source
// can be plugged in for existing machines) and the stage element drops land on.
import type { RefObject } from 'preact';
import { useCallback, useEffect } from 'preact/hooks';
import type { FileSource } from '../../modules/files/source.ts';
import { useFiles } from '../../modules/files/useFiles.ts';
import { FileDropZone } from './FileDropZone.tsx';
import { FilePanel } from './FilePanel.tsx';
import '../../styles/files.css';

const DOWNLOADS = 'Downloads';

interface Props {
  openSource: () => Promise<FileSource>;
  open: boolean;
  onOpen(): void;
  onClose(): void;
  stage: RefObject<HTMLElement | null>;
  /** The session's policy forbids uploads (known from the session before any file request). */
  uploadsOff?: boolean;
}

export function ViewerFiles({ openSource, open, onOpen, onClose, stage, uploadsOff }: Props) {
  const files = useFiles(openSource);
  const { ensure } = files;
  useEffect(() => {
    if (open) void ensure();
  }, [open, ensure]);
  // With the panel open a drop goes to the folder it shows; otherwise to Downloads (made if missing).
  const folder = open && files.src.kind === 'ready' ? files.path : DOWNLOADS;
  const refusal = uploadsOff
    ? 'Uploads are turned off by this pool’s policy.'
    : files.src.kind === 'off'
      ? files.src.message
      : files.src.kind === 'ready' && !files.src.source.policy.upload
        ? 'Uploads are turned off by this pool’s policy.'
        : undefined;
  const onDrop = useCallback(
    (dropped: File[]) => {
      onOpen();
      void files.upload(dropped, folder);
    },
    [files, folder, onOpen],
  );
  return (
    <>
      <FileDropZone target={stage} folder={folder} refusal={refusal} onDrop={onDrop} />
      {open && (
        <div id="viewer-files-panel" class="viewer__side viewer__side--files">
          <FilePanel files={files} onClose={onClose} />
        </div>
      )}
    </>
  );
}
