// Recordings (admin and helpdesk): session recordings filtered by user, pool, host and date range,
// newest first, with Play, Download (and its checksum) and, for admins, Delete.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { errorMessage } from '../api/client.ts';
import { deleteRecording, listRecordings, type Recording, type RecordingFilter } from '../api/recordings.ts';
import { Alert } from '../components/Alert.tsx';
import { Button } from '../components/Button.tsx';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { EmptyState } from '../components/EmptyState.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { DownloadDialog } from '../components/recording/DownloadDialog.tsx';
import { RecordingsTable } from '../components/recording/RecordingsTable.tsx';
import { PageLoading } from '../components/Spinner.tsx';
import { learnChoices, toFilter, type Choice, type FilterChoices } from '../modules/recording/filterOptions.ts';
import { formatDateTime } from '../modules/time.ts';

type Draft = { user: string; place: string; host: string; from: string; to: string };
const EMPTY: Draft = { user: '', place: '', host: '', from: '', to: '' };

interface SelectProps {
  id: string;
  label: string;
  value: string;
  onValue(v: string): void;
  choices: Choice[];
  all: string;
}

function Select({ id, label, value, onValue, choices, all }: SelectProps) {
  return (
    <div class="field">
      <label class="field__label" for={id}>
        {label}
      </label>
      <select id={id} name={id} class="input" value={value} onChange={(ev) => onValue(ev.currentTarget.value)}>
        <option value="">{all}</option>
        {choices.map((c) => (
          <option key={c.value} value={c.value}>
            {c.label}
          </option>
        ))}
      </select>
    </div>
  );
}

function DateField({ id, label, value, onValue }: { id: string; label: string; value: string; onValue(v: string): void }) {
  return (
    <div class="field">
      <label class="field__label" for={id}>
        {label}
      </label>
      <input id={id} name={id} type="date" class="input" value={value} onInput={(ev) => onValue(ev.currentTarget.value)} />
    </div>
  );
}

export function RecordingsPage({ admin }: { admin: boolean }) {
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [filter, setFilter] = useState<RecordingFilter>({});
  const [items, setItems] = useState<Recording[]>();
  const [choices, setChoices] = useState<FilterChoices>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(false);
  const [download, setDownload] = useState<Recording>();
  const [remove, setRemove] = useState<Recording>();

  const load = useCallback(async (f: RecordingFilter, signal?: AbortSignal) => {
    setLoading(true);
    try {
      const list = await listRecordings(f, signal);
      setItems(list);
      setChoices((c) => learnChoices(c, list));
      setError(undefined);
    } catch (e) {
      if (!signal?.aborted) setError(errorMessage(e));
    } finally {
      if (!signal?.aborted) setLoading(false);
    }
  }, []);

  useEffect(() => {
    const ac = new AbortController();
    void load(filter, ac.signal);
    return () => ac.abort();
  }, [load, filter]);

  const set = (k: keyof Draft) => (v: string) => setDraft((d) => ({ ...d, [k]: v }));
  const apply = (ev: Event): void => {
    ev.preventDefault();
    setFilter(toFilter(draft));
  };
  const filtered = Object.keys(filter).length > 0;

  return (
    <>
      <PageHeading
        title="Recordings"
        subtitle="Recorded desktop sessions, newest first. Play them here or download the raw file with its checksum."
        actions={
          <Button size="sm" busy={loading} onClick={() => void load(filter)}>
            Refresh
          </Button>
        }
      />
      <form class="card filters" onSubmit={apply} aria-label="Filter the recordings" data-testid="recording-filters">
        <Select id="rec-user" label="User" value={draft.user} onValue={set('user')} choices={choices?.users ?? []} all="Everyone" />
        <Select
          id="rec-place"
          label="Pool or machine"
          value={draft.place}
          onValue={set('place')}
          choices={choices?.places ?? []}
          all="All"
        />
        <Select id="rec-host" label="Host" value={draft.host} onValue={set('host')} choices={choices?.hosts ?? []} all="All hosts" />
        <DateField id="rec-from" label="From" value={draft.from} onValue={set('from')} />
        <DateField id="rec-to" label="To" value={draft.to} onValue={set('to')} />
        <div class="filters__actions">
          <Button type="submit" variant="primary">
            Apply filters
          </Button>
          {filtered && (
            <Button
              variant="ghost"
              onClick={() => {
                setDraft(EMPTY);
                setFilter({});
              }}
            >
              Clear
            </Button>
          )}
        </div>
      </form>
      {error && <Alert action={<Button onClick={() => void load(filter)}>Try again</Button>}>{error}</Alert>}
      {!items && !error && <PageLoading label="Loading recordings…" />}
      {items && items.length === 0 && (
        <EmptyState title={filtered ? 'No matching recordings' : 'No recordings yet'}>
          {filtered
            ? 'Nothing matches these filters. The dates include both the first and the last day.'
            : 'Sessions are recorded when their pool or machine has recording turned on (Admin → Pools or Machines → Session policy: “Recording: on”, or “only while a helpdesk shadow is active”). People see a notice while they are recorded. Recordings appear here as soon as such a session starts.'}
        </EmptyState>
      )}
      {items && items.length > 0 && (
        <>
          <p class="muted small" data-testid="recordings-count">
            {items.length} recording{items.length === 1 ? '' : 's'}
            {filtered && ' matching the filters'}
          </p>
          <RecordingsTable recordings={items} admin={admin} onDownload={setDownload} onDelete={setRemove} />
        </>
      )}
      {download && <DownloadDialog recording={download} onClose={() => setDownload(undefined)} />}
      {remove && (
        <ConfirmDialog
          title="Delete this recording?"
          confirmLabel="Delete recording"
          failureTitle="The recording was not deleted"
          onClose={() => setRemove(undefined)}
          onConfirm={async () => {
            await deleteRecording(remove.id);
            setItems((list) => list?.filter((r) => r.id !== remove.id));
          }}
        >
          <p>
            The recording of <strong>{remove.username ?? 'a deleted user'}</strong> from {formatDateTime(remove.startedAt)} is removed from
            the gateway for good. The audit log keeps who deleted it and the file's checksum.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
