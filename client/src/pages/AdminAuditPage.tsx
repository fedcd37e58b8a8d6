// Admin console, audit log: the newest 200 events, filtered by actor and action (exact matches,
// as the API filters them).
import { useCallback, useEffect, useState } from 'preact/hooks';
import { auditCsvUrl, listAudit, type AuditEvent, type AuditFilter } from '../api/adminAudit.ts';
import { errorMessage } from '../api/client.ts';
import { AuditTable } from '../components/admin/AuditTable.tsx';
import { Alert } from '../components/Alert.tsx';
import { Button } from '../components/Button.tsx';
import { EmptyState } from '../components/EmptyState.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { PageLoading } from '../components/Spinner.tsx';
import { TextField } from '../components/TextField.tsx';

const LIMIT = 200;

export function AdminAuditPage() {
  const [actor, setActor] = useState('');
  const [action, setAction] = useState('');
  const [filter, setFilter] = useState<AuditFilter>({});
  const [events, setEvents] = useState<AuditEvent[]>();
  const [actions, setActions] = useState<string[]>([]);
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(false);

  const load = useCallback(async (f: AuditFilter, signal?: AbortSignal) => {
    setLoading(true);
    try {
      const list = await listAudit({ ...f, limit: LIMIT }, signal);
      setEvents(list);
      // Remember every action seen, to suggest in the Action filter.
      setActions((known) => [...new Set([...known, ...list.map((e) => e.action)])].sort());
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

  const apply = (ev: Event): void => {
    ev.preventDefault();
    setFilter({ actor: actor.trim() || undefined, action: action.trim() || undefined });
  };
  const clear = (): void => {
    setActor('');
    setAction('');
    setFilter({});
  };
  const filtered = Boolean(filter.actor || filter.action);

  return (
    <>
      <PageHeading
        title="Audit log"
        subtitle={`Who did what, newest first. Shows the latest ${LIMIT} events.`}
        actions={
          <>
            {/* A plain download of the same filters (the gateway sends it as an attachment). */}
            <a class="btn btn--secondary btn--sm" href={auditCsvUrl(filter)} download="deskport-audit.csv" data-testid="audit-export">
              Export CSV
            </a>
            <Button size="sm" busy={loading} onClick={() => void load(filter)}>
              Refresh
            </Button>
          </>
        }
      />
      <form class="card filters" onSubmit={apply} aria-label="Filter the audit log" data-testid="audit-filters">
        <TextField
          id="audit-actor"
          name="actor"
          label="Actor"
          value={actor}
          onValue={setActor}
          placeholder="e.g. admin"
          autocomplete="off"
          autoCapitalize="none"
          spellcheck={false}
          hint="Exact username, or system."
        />
        <div class="field">
          <label class="field__label" for="audit-action">
            Action
          </label>
          <input
            id="audit-action"
            name="action"
            class="input"
            list="audit-actions"
            value={action}
            onInput={(ev) => setAction(ev.currentTarget.value)}
            placeholder="e.g. pool.create"
            autocomplete="off"
            spellcheck={false}
            aria-describedby="audit-action-hint"
          />
          <datalist id="audit-actions">
            {actions.map((a) => (
              <option key={a} value={a} />
            ))}
          </datalist>
          <span id="audit-action-hint" class="field__hint">
            Exact action name.
          </span>
        </div>
        <div class="filters__actions">
          <Button type="submit" variant="primary">
            Apply filters
          </Button>
          {filtered && (
            <Button variant="ghost" onClick={clear}>
              Clear
            </Button>
          )}
        </div>
      </form>
      {error && <Alert action={<Button onClick={() => void load(filter)}>Try again</Button>}>{error}</Alert>}
      {!events && !error && <PageLoading label="Loading the audit log…" />}
      {events && events.length === 0 && (
        <EmptyState title={filtered ? 'No matching events' : 'No events yet'}>
          {filtered
            ? 'Nothing matches these filters. Actor and action must match exactly, e.g. “admin” and “pool.create”.'
            : 'Sign-ins, launches and admin changes appear here as they happen.'}
        </EmptyState>
      )}
      {events && events.length > 0 && (
        <>
          <p class="muted small" data-testid="audit-count">
            {events.length === LIMIT ? `The latest ${LIMIT} events` : `${events.length} event${events.length === 1 ? '' : 's'}`}
            {filtered && ' matching the filters'}
          </p>
          <AuditTable events={events} />
        </>
      )}
    </>
  );
}
