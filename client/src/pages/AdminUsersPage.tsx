// Admin console, users: the list (enable/disable, delete) and a form to create one.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { deleteUser, listUsers, updateUser, type AdminUser } from '../api/admin.ts';
import { errorMessage } from '../api/client.ts';
import type { Me } from '../api/types.ts';
import { CreateUserForm } from '../components/admin/CreateUserForm.tsx';
import { UsersTable } from '../components/admin/UsersTable.tsx';
import { Alert } from '../components/Alert.tsx';
import { Button } from '../components/Button.tsx';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { EmptyState } from '../components/EmptyState.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { PageLoading } from '../components/Spinner.tsx';

export function AdminUsersPage({ me }: { me: Me }) {
  const [users, setUsers] = useState<AdminUser[]>();
  const [error, setError] = useState<string>();
  const [busyId, setBusyId] = useState<string>();
  const [deleting, setDeleting] = useState<AdminUser>();

  const load = useCallback(async (signal?: AbortSignal) => {
    try {
      setUsers(await listUsers(signal));
      setError(undefined);
    } catch (e) {
      if (!signal?.aborted) setError(errorMessage(e));
    }
  }, []);

  useEffect(() => {
    const ac = new AbortController();
    void load(ac.signal);
    return () => ac.abort();
  }, [load]);

  const toggleDisabled = async (user: AdminUser): Promise<void> => {
    setBusyId(user.id);
    setError(undefined);
    try {
      const updated = await updateUser(user.id, { disabled: !user.disabled });
      setUsers((us) => us?.map((u) => (u.id === updated.id ? updated : u)));
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusyId(undefined);
    }
  };

  return (
    <>
      <PageHeading title="Users" subtitle="Everyone who can sign in to Deskport, and what they may do." />
      <div class="admin-split">
        <section aria-label="User list">
          {error && (
            <Alert action={<Button onClick={() => void load()}>Reload</Button>}>
              {error}
            </Alert>
          )}
          {!users && !error && <PageLoading label="Loading users…" />}
          {users && users.length === 0 && <EmptyState title="No users yet">Create the first one with the form.</EmptyState>}
          {users && users.length > 0 && (
            <UsersTable users={users} meId={me.id} busyId={busyId} onToggleDisabled={(u) => void toggleDisabled(u)} onDelete={setDeleting} />
          )}
        </section>
        <aside>
          <CreateUserForm onCreated={(u) => setUsers((us) => [...(us ?? []).filter((x) => x.id !== u.id), u])} />
        </aside>
      </div>
      {deleting && (
        <ConfirmDialog
          title={`Delete ${deleting.username}?`}
          confirmLabel="Delete user"
          onClose={() => setDeleting(undefined)}
          onConfirm={async () => {
            await deleteUser(deleting.id);
            setUsers((us) => us?.filter((u) => u.id !== deleting.id));
          }}
        >
          {deleting.displayName} will no longer be able to sign in. This cannot be undone; to block access for a while, disable the account instead.
        </ConfirmDialog>
      )}
    </>
  );
}
