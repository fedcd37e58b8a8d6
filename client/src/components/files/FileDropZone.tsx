// Drag-and-drop of files onto the viewer: while files hover over the stage an overlay says where they
// will go; a drop uploads them. Listens on the stage element itself (noVNC owns its children).
import { useEffect, useState } from 'preact/hooks';
import type { RefObject } from 'preact';

interface Props {
  target: RefObject<HTMLElement | null>;
  /** Where a drop goes, as the person reads it ("Downloads"). */
  folder: string;
  /** Why uploads are off, or undefined when they are allowed (as far as known). */
  refusal?: string;
  onDrop(files: File[]): void;
}

const hasFiles = (e: DragEvent): boolean => [...(e.dataTransfer?.types ?? [])].includes('Files');

export function FileDropZone({ target, folder, refusal, onDrop }: Props) {
  const [over, setOver] = useState(false);
  useEffect(() => {
    const el = target.current;
    if (!el) return;
    let depth = 0; // dragenter/leave fire for every child crossed
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth++;
      setOver(true);
    };
    const overFn = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = refusal ? 'none' : 'copy';
    };
    const leave = () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) setOver(false);
    };
    const drop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth = 0;
      setOver(false);
      const files = [...(e.dataTransfer?.files ?? [])];
      if (files.length && !refusal) onDrop(files);
    };
    el.addEventListener('dragenter', enter);
    el.addEventListener('dragover', overFn);
    el.addEventListener('dragleave', leave);
    el.addEventListener('drop', drop);
    return () => {
      el.removeEventListener('dragenter', enter);
      el.removeEventListener('dragover', overFn);
      el.removeEventListener('dragleave', leave);
      el.removeEventListener('drop', drop);
    };
  }, [target, refusal, onDrop]);

  if (!over) return null;
  return (
    <div class={`file-drop${refusal ? ' file-drop--refused' : ''}`} data-testid="file-drop" aria-live="polite">
      <div class="file-drop__box">{refusal ?? `Drop to upload to ${folder || 'Home'}`}</div>
    </div>
  );
}
