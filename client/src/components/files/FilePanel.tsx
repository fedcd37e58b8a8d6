// The viewer's file panel: a small browser of the desktop's home (Downloads first, folders
// navigable, breadcrumbs) with Download buttons, an Upload button, and the list of transfers with
// progress, speed and Cancel. Says plainly when the policy turns transfers off.
import { useRef } from 'preact/hooks';
import { Button } from '../Button.tsx';
import { formatBytes } from '../../modules/files/httpSource.ts';
import { crumbs, type Transfer } from '../../modules/files/transferList.ts';
import type { FilesState } from '../../modules/files/useFiles.ts';

interface Props {
  files: FilesState;
  onClose(): void;
}

export function FilePanel({ files, onClose }: Props) {
  const input = useRef<HTMLInputElement>(null);
  const { src } = files;
  const policy = src.kind === 'ready' ? src.source.policy : undefined;

  return (
    <section class="file-panel" aria-labelledby="files-title" data-testid="file-panel">
      <div class="file-panel__head">
        <h2 id="files-title">Files</h2>
        <button type="button" class="icon-btn" aria-label="Close files" onClick={onClose}>
          ✕
        </button>
      </div>
      {src.kind === 'loading' || src.kind === 'idle' ? (
        <p class="file-panel__note">Opening the desktop’s files…</p>
      ) : src.kind === 'off' ? (
        <p class="file-panel__off" role="status" data-testid="files-off">
          {src.message}
        </p>
      ) : (
        <>
          <p class="file-panel__note" data-testid="files-policy">
            {policy?.upload ? `Uploads up to ${formatBytes(policy.maxBytes)}` : 'Uploads are turned off by this pool’s policy'}
            {' · '}
            {policy?.download ? 'downloads allowed' : 'downloads are turned off'}
          </p>
          <nav class="file-panel__crumbs" aria-label="Folder">
            {crumbs(files.path).map((c, i, all) =>
              i === all.length - 1 ? (
                <span key={c.path} aria-current="page">
                  {c.name}
                </span>
              ) : (
                <span key={c.path}>
                  <button type="button" class="link-btn" onClick={() => files.navigate(c.path)}>
                    {c.name}
                  </button>
                  <span aria-hidden="true"> / </span>
                </span>
              ),
            )}
          </nav>
          <ul class="file-panel__list" data-testid="file-list">
            {files.listError && <li class="file-panel__error">{files.listError}</li>}
            {!files.listError && files.entries === undefined && <li class="file-panel__note">Loading…</li>}
            {files.entries?.length === 0 && (
              <li class="file-panel__note">This folder is empty. Drop files on the desktop to upload them here.</li>
            )}
            {files.entries?.map((e) => (
              <li key={e.name} class="file-row" data-kind={e.kind}>
                {e.kind === 'dir' ? (
                  <button type="button" class="file-row__name link-btn" onClick={() => files.navigate(files.pathOf(files.path, e.name))}>
                    <KindIcon kind="dir" />
                    {e.name}
                  </button>
                ) : (
                  <span class="file-row__name" title={e.name}>
                    <KindIcon kind="file" />
                    {e.name}
                  </span>
                )}
                <span class="file-row__size">{e.kind === 'file' && e.size >= 0 ? formatBytes(e.size) : ''}</span>
                {e.kind === 'file' && policy?.download && (
                  <Button size="sm" variant="on-dark" onClick={() => files.download(e)} aria-label={`Download ${e.name}`}>
                    Download
                  </Button>
                )}
              </li>
            ))}
          </ul>
          <div class="file-panel__actions">
            <input
              ref={input}
              type="file"
              multiple
              hidden
              data-testid="file-input"
              onChange={(ev) => {
                const list = ev.currentTarget.files;
                if (list?.length) void files.upload([...list]);
                ev.currentTarget.value = '';
              }}
            />
            <Button size="sm" variant="on-dark" onClick={files.refresh}>
              Refresh
            </Button>
            <Button
              size="sm"
              variant="primary"
              disabled={!policy?.upload}
              title={policy?.upload ? `Upload into ${files.path || 'the home folder'}` : 'Uploads are turned off by this pool’s policy'}
              onClick={() => input.current?.click()}
              data-testid="file-upload"
            >
              Upload…
            </Button>
          </div>
        </>
      )}
      {files.transfers.length > 0 && (
        <div class="file-panel__transfers">
          <div class="file-panel__subhead">
            <h3>Transfers</h3>
            <button type="button" class="link-btn" onClick={files.clearFinished}>
              Clear finished
            </button>
          </div>
          <ul data-testid="transfers">
            {files.transfers.map((t) => (
              <TransferRow key={t.id} t={t} onCancel={() => files.cancel(t.id)} />
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

/** Inline icons: emoji depend on fonts the desktop browser may lack. */
function KindIcon({ kind }: { kind: 'file' | 'dir' }) {
  const d = kind === 'dir' ? 'M2 4.5h4.5l1.5 1.5h6v7.5H2z' : 'M4 2h5.5L12 4.5V14H4zM9.5 2v2.5H12';
  return (
    <svg class="file-row__icon" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
      <path d={d} fill="none" stroke="currentColor" stroke-width="1.3" stroke-linejoin="round" />
    </svg>
  );
}

function TransferRow({ t, onCancel }: { t: Transfer; onCancel(): void }) {
  const pct = t.total > 0 ? Math.min(100, Math.round((t.loaded / t.total) * 100)) : t.state === 'done' ? 100 : 0;
  return (
    <li class={`transfer transfer--${t.state}`} data-testid="transfer" data-state={t.state}>
      <div class="transfer__line">
        <span class="transfer__name" title={t.requestedName ? `${t.name} (you chose “${t.requestedName}”)` : t.name}>
          <span aria-hidden="true">{t.direction === 'upload' ? '↑ ' : '↓ '}</span>
          <span data-testid="transfer-name">{t.name}</span>
        </span>
        {t.state === 'running' && (
          <button type="button" class="link-btn" onClick={onCancel} aria-label={`Cancel ${t.name}`}>
            Cancel
          </button>
        )}
      </div>
      <div
        class="transfer__bar"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
        aria-label={`${t.name} progress`}
      >
        <span style={{ width: `${pct}%` }} />
      </div>
      <div class="transfer__meta">
        {t.state === 'running' &&
          (t.direction === 'download' && t.loaded === 0
            ? 'Starting…'
            : `${formatBytes(t.loaded)}${t.total > 0 ? ` of ${formatBytes(t.total)}` : ''} · ${formatBytes(Math.round(t.speed))}/s`)}
        {t.state === 'done' &&
          `${t.direction === 'upload' ? 'Uploaded to' : 'Downloaded from'} ${t.path || 'Home'} · ${formatBytes(t.total)}` +
            (t.requestedName ? ` · stored as “${t.name}”` : '')}
        {t.state === 'cancelled' && (t.note ?? 'Cancelled; nothing was kept')}
        {t.state === 'failed' && <span class="transfer__error">{t.error}</span>}
      </div>
    </li>
  );
}
