// Admin console, pools: the list, one form for creating and editing, and delete with a confirm.
import { useState } from 'preact/hooks';
import { listGroups } from '../api/adminGroups.ts';
import { deletePool, listAdminPools, type AdminPool } from '../api/adminPools.ts';
import { ApiError, isApiError } from '../api/client.ts';
import { PoolForm } from '../components/admin/PoolForm.tsx';
import { PoolsTable } from '../components/admin/PoolsTable.tsx';
import { Alert } from '../components/Alert.tsx';
import { Button } from '../components/Button.tsx';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { EmptyState } from '../components/EmptyState.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { PageLoading } from '../components/Spinner.tsx';
import { useLoad } from '../modules/useLoad.ts';

type Editing = { mode: 'create' } | { mode: 'edit'; pool: AdminPool };

export function AdminPoolsPage() {
  const { data, setData, error, reload } = useLoad(async (signal) => {
    const [pools, groups] = await Promise.all([listAdminPools(signal), listGroups(signal)]);
    return { pools, groups };
  });
  const pools = data?.pools;
  const groups = data?.groups;
  const setPools = (update: (ps: AdminPool[]) => AdminPool[]): void => setData((d) => d && { ...d, pools: update(d.pools) });
  const [editing, setEditing] = useState<Editing>();
  const [deleting, setDeleting] = useState<AdminPool>();
  const [notice, setNotice] = useState<string>();

  const groupNames = new Map((groups ?? []).map((g) => [g.id, g.name]));
  const open = (next: Editing): void => {
    setNotice(undefined);
    setEditing(next);
  };

  const saved = (pool: AdminPool, created: boolean): void => {
    setPools((ps) => (created ? [...ps, pool] : ps.map((p) => (p.id === pool.id ? pool : p))));
    setEditing(undefined);
    setNotice(created ? `Created ${pool.name}. Entitled users see it on My desktops now.` : `Saved ${pool.name}.`);
  };

  const remove = async (pool: AdminPool): Promise<void> => {
    try {
      await deletePool(pool.id);
    } catch (e) {
      if (isApiError(e) && e.code === 'pool_in_use') {
        throw new ApiError(
          e.status,
          e.code,
          `${pool.name} still has live sessions, so it cannot be deleted. End them on the Live sessions page first, then try again.`,
        );
      }
      throw e;
    }
    setPools((ps) => ps.filter((p) => p.id !== pool.id));
    if (editing?.mode === 'edit' && editing.pool.id === pool.id) setEditing(undefined);
    setNotice(`Deleted ${pool.name}.`);
  };

  const actions = !editing && (
    <Button variant="primary" onClick={() => open({ mode: 'create' })}>
      New pool
    </Button>
  );

  return (
    <>
      <PageHeading title="Pools" subtitle="What desktops people can launch, where they run, and for how long." actions={actions} />
      {notice && <Alert tone="success">{notice}</Alert>}
      {editing && (
        <PoolForm
          key={editing.mode === 'edit' ? editing.pool.id : 'new'}
          pool={editing.mode === 'edit' ? editing.pool : undefined}
          groups={groups}
          onSaved={saved}
          onCancel={() => setEditing(undefined)}
        />
      )}
      {error && <Alert action={<Button onClick={() => void reload()}>Reload</Button>}>{error}</Alert>}
      {!pools && !error && <PageLoading label="Loading pools…" />}
      {pools && pools.length === 0 && !editing && (
        <EmptyState title="No pools yet">
          A pool says what desktop to start and who may use it. Create the first one with “New pool”.
        </EmptyState>
      )}
      {pools && pools.length > 0 && (
        <PoolsTable
          pools={pools}
          groupNames={groupNames}
          editingId={editing?.mode === 'edit' ? editing.pool.id : undefined}
          onEdit={(pool) => open({ mode: 'edit', pool })}
          onDelete={setDeleting}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete ${deleting.name}?`}
          confirmLabel="Delete pool"
          failureTitle="The pool was not deleted"
          onClose={() => setDeleting(undefined)}
          onConfirm={() => remove(deleting)}
        >
          Nobody will be able to launch {deleting.name} any more, and its warm spares are removed. A pool with live sessions cannot be
          deleted.
        </ConfirmDialog>
      )}
    </>
  );
}
