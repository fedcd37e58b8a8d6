// "Snapshots" of a personal VM pool on My desktops: the person's disk in that pool, its snapshots
// (newest first), taking one (also while the desktop runs), and restoring or deleting one after a
// second, explicit click. The gateway enforces the rules; this dialog says them before they bite.
import { useEffect, useRef, useState } from 'preact/hooks';
import { SNAPSHOT_NAME } from '../../../contract/api/snapshots.ts';
import type { Pool } from '../api/desktops.ts';
import { errorMessage } from '../api/client.ts';
import { deleteSnapshot, listSnapshots, restoreSnapshot, takeSnapshot, type Snapshots } from '../api/snapshots.ts';
import { formatBytes } from '../modules/recording/bytes.ts';
import { formatDateTime } from '../modules/time.ts';
import { Alert } from './Alert.tsx';
import { Button } from './Button.tsx';
import { Spinner } from './Spinner.tsx';
import { TextField } from './TextField.tsx';

interface Props {
  pool: Pool;
  onClose(): void;
}

type Pending = { kind: 'restore' | 'delete'; name: string } | undefined;

const defaultName = (): string => {
  const d = new Date();
  const two = (n: number) => String(n).padStart(2, '0');
  return `Snapshot ${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}.${two(d.getMinutes())}.${two(d.getSeconds())}`;
};

export function SnapshotsDialog({ pool, onClose }: Props) {
  const [list, setList] = useState<Snapshots>();
  const [error, setError] = useState<string>();
  const [name, setName] = useState(defaultName);
  const [nameError, setNameError] = useState<string>();
  const [busy, setBusy] = useState<string>();
  const [pending, setPending] = useState<Pending>();
  const [done, setDone] = useState<string>();
  const closeRef = useRef(onClose);
  closeRef.current = onClose;

  useEffect(() => {
    const ctl = new AbortController();
    listSnapshots(pool.id, ctl.signal).then(setList, (e: unknown) => ctl.signal.aborted || setError(errorMessage(e)));
    const onKey = (ev: KeyboardEvent): void => {
      if (ev.key === 'Escape') closeRef.current();
    };
    window.addEventListener('keydown', onKey);
    return () => (ctl.abort(), window.removeEventListener('keydown', onKey));
  }, [pool.id]);

  const act = async (what: string, action: () => Promise<Snapshots>, message: string): Promise<void> => {
    setBusy(what);
    setError(undefined);
    setDone(undefined);
    try {
      setList(await action());
      setPending(undefined);
      setDone(message);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(undefined);
    }
  };

  const take = (ev: Event): void => {
    ev.preventDefault();
    const n = name.trim();
    if (!SNAPSHOT_NAME.test(n)) {
      setNameError(
        'Use 1 to 64 letters, digits, spaces, dots, dashes or underscores, with at least one letter, starting with a letter or digit.',
      );
      return;
    }
    setNameError(undefined);
    void act('take', () => takeSnapshot(pool.id, n), `Took “${n}”.`).then(() => setName(defaultName()));
  };

  const full = list !== undefined && list.snapshots.length >= list.max;
  const newestFirst = list ? [...list.snapshots].reverse() : [];
  return (
    <div class="modal-backdrop" onClick={(ev) => ev.target === ev.currentTarget && !busy && onClose()}>
      <div
        class="modal modal--wide snapshots"
        role="dialog"
        aria-modal="true"
        aria-labelledby="snapshots-title"
        data-testid="snapshots-dialog"
      >
        <h2 id="snapshots-title" class="modal__title">
          Snapshots of your disk in “{pool.name}”
        </h2>
        <p class="modal__body">
          A snapshot keeps your VM’s disk as it is at that moment. Restoring one rewinds the whole disk to it: everything written since is
          lost. Restore once your desktop has ended.
        </p>
        {error && <Alert title="That did not work">{error}</Alert>}
        <div aria-live="polite">
          {done && (
            <p class="snapshots__done" data-testid="snapshots-done">
              {done}
            </p>
          )}
        </div>
        {!list && !error && (
          <p class="snapshots__loading">
            <Spinner size={18} label="Loading snapshots" /> Loading snapshots…
          </p>
        )}
        {list && !list.exists && (
          <p class="muted" data-testid="snapshots-no-disk">
            You have no disk in this pool yet. Launch it once; then you can take snapshots here.
          </p>
        )}
        {list?.exists && (
          <>
            <p class="muted small" data-testid="snapshots-where">
              Your disk is on the host “{list.hostName}” and takes {formatBytes(list.bytes)} with its snapshots.{' '}
              {list.running ? 'Your desktop is running on it now.' : 'No desktop runs on it now.'}
            </p>
            <form class="snapshots__take" onSubmit={take}>
              <TextField
                id="snapshot-name"
                name="name"
                label="New snapshot"
                value={name}
                onValue={setName}
                error={nameError}
                maxLength={64}
                autocomplete="off"
                hint={
                  full
                    ? `This disk holds ${list.max} snapshots, the most it may: delete one first.`
                    : list.running
                      ? 'Taken while your desktop runs, like pulling the plug: save your work first.'
                      : undefined
                }
              />
              <Button type="submit" variant="primary" busy={busy === 'take'} disabled={full || Boolean(busy)} data-testid="snapshot-take">
                Take snapshot
              </Button>
            </form>
            {newestFirst.length === 0 ? (
              <p class="muted" data-testid="snapshots-empty">
                No snapshots yet.
              </p>
            ) : (
              <ul class="snapshots__list" data-testid="snapshots-list">
                {newestFirst.map((s) => {
                  const asking = pending?.name === s.name ? pending.kind : undefined;
                  return (
                    <li key={s.name} class="snapshots__item" data-testid="snapshot-item">
                      <div class="snapshots__what">
                        <strong>{s.name}</strong>
                        <span class="muted small">{formatDateTime(Date.parse(s.createdAt))}</span>
                      </div>
                      {asking ? (
                        <div class="snapshots__confirm" role="group" aria-label={`Confirm ${asking} of ${s.name}`}>
                          <span class="small">
                            {asking === 'restore' ? 'Rewind your disk to this? Changes since are lost.' : 'Delete this snapshot?'}
                          </span>
                          <Button size="sm" onClick={() => setPending(undefined)} disabled={Boolean(busy)}>
                            Cancel
                          </Button>
                          <Button
                            size="sm"
                            variant="danger"
                            busy={busy === `${asking}:${s.name}`}
                            disabled={Boolean(busy)}
                            data-testid={`snapshot-confirm-${asking}`}
                            onClick={() =>
                              void act(
                                `${asking}:${s.name}`,
                                () => (asking === 'restore' ? restoreSnapshot(pool.id, s.name) : deleteSnapshot(pool.id, s.name)),
                                asking === 'restore' ? `Your disk is back at “${s.name}”.` : `Deleted “${s.name}”.`,
                              )
                            }
                          >
                            {asking === 'restore' ? 'Restore' : 'Delete'}
                          </Button>
                        </div>
                      ) : (
                        <div class="snapshots__actions">
                          <Button
                            size="sm"
                            disabled={list.running || Boolean(busy)}
                            title={list.running ? 'End your desktop first: a restore replaces the disk it runs on.' : undefined}
                            aria-label={`Restore ${s.name}`}
                            onClick={() => setPending({ kind: 'restore', name: s.name })}
                          >
                            Restore
                          </Button>
                          <Button
                            size="sm"
                            variant="subtle-danger"
                            disabled={Boolean(busy)}
                            aria-label={`Delete ${s.name}`}
                            onClick={() => setPending({ kind: 'delete', name: s.name })}
                          >
                            Delete
                          </Button>
                        </div>
                      )}
                    </li>
                  );
                })}
              </ul>
            )}
            {list.running && newestFirst.length > 0 && (
              <p class="muted small">Restore is available once your desktop in this pool has ended.</p>
            )}
          </>
        )}
        <div class="modal__actions">
          <Button onClick={onClose} disabled={Boolean(busy)} data-testid="snapshots-close">
            Close
          </Button>
        </div>
      </div>
    </div>
  );
}
