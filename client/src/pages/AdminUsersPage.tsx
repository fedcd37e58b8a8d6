// Admin console, users and groups: the user list (enable/disable, roles, delete) with a form to create
// one, and below it the groups with a form to create one.
import { useState } from 'preact/hooks';
import { deleteUser, listUsers, updateUser, type AdminUser } from '../api/adminUsers.ts';
import { deleteGroup, listGroups, type Group } from '../api/adminGroups.ts';
import { resetUserMfa } from '../api/adminMfa.ts';
import { errorMessage } from '../api/client.ts';
import type { Me } from '../api/types.ts';
import { CreateGroupForm } from '../components/admin/CreateGroupForm.tsx';
import { CreateUserForm } from '../components/admin/CreateUserForm.tsx';
import { EditRolesDialog } from '../components/admin/EditRolesDialog.tsx';
import { GroupsTable } from '../components/admin/GroupsTable.tsx';
import { MfaPolicyCard } from '../components/admin/MfaPolicyCard.tsx';
import { ResetPasswordDialog } from '../components/admin/ResetPasswordDialog.tsx';
import { UsersTable } from '../components/admin/UsersTable.tsx';
import { Alert } from '../components/Alert.tsx';
import { Button } from '../components/Button.tsx';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { EmptyState } from '../components/EmptyState.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { PageLoading } from '../components/Spinner.tsx';
import { useLoad } from '../modules/useLoad.ts';

function memberNote(n: number): string {
  if (n === 0) return 'Nobody is in it.';
  return `${n === 1 ? 'Its one member loses' : `Its ${n} members lose`} access to pools they could use only through this group.`;
}

export function AdminUsersPage({ me }: { me: Me }) {
  const { data: users, setData: setUsers, error: usersError, reload } = useLoad(listUsers);
  const { data: groups, setData: setGroups, error: groupsError, reload: reloadGroups } = useLoad(listGroups);
  const [toggleError, setToggleError] = useState<string>();
  const error = toggleError ?? usersError;
  const [busyId, setBusyId] = useState<string>();
  const [deleting, setDeleting] = useState<AdminUser>();
  const [resetting, setResetting] = useState<AdminUser>();
  const [editingRoles, setEditingRoles] = useState<AdminUser>();
  const [passwordNote, setPasswordNote] = useState<string>();
  const [deletingGroup, setDeletingGroup] = useState<Group>();
  const [resettingMfa, setResettingMfa] = useState<AdminUser>();

  const toggleDisabled = async (user: AdminUser): Promise<void> => {
    setBusyId(user.id);
    setToggleError(undefined);
    try {
      const updated = await updateUser(user.id, { disabled: !user.disabled });
      setUsers((us) => us?.map((u) => (u.id === updated.id ? updated : u)));
    } catch (e) {
      setToggleError(errorMessage(e));
    } finally {
      setBusyId(undefined);
    }
  };

  const members = new Map<string, number>();
  for (const u of users ?? []) for (const g of u.groups) members.set(g, (members.get(g) ?? 0) + 1);

  return (
    <>
      <PageHeading title="Users" subtitle="Everyone who can sign in to Deskport, and what they may do." />
      <div class="admin-split">
        <div class="admin-column">
          <section aria-label="User list" class="admin-column">
            {error && <Alert action={<Button onClick={() => (setToggleError(undefined), void reload())}>Reload</Button>}>{error}</Alert>}
            {passwordNote && (
              <div data-testid="password-reset-note">
                <Alert tone="success" onDismiss={() => setPasswordNote(undefined)}>
                  {passwordNote}
                </Alert>
              </div>
            )}
            {!users && !error && <PageLoading label="Loading users…" />}
            {users && users.length === 0 && <EmptyState title="No users yet">Create the first one with the form.</EmptyState>}
            {users && users.length > 0 && (
              <UsersTable
                users={users}
                meId={me.id}
                busyId={busyId}
                onToggleDisabled={(u) => void toggleDisabled(u)}
                onDelete={setDeleting}
                onResetPassword={setResetting}
                onEditRoles={setEditingRoles}
                onResetMfa={setResettingMfa}
              />
            )}
          </section>
          <section aria-labelledby="groups-title" class="admin-column" id="groups">
            <div class="section-heading">
              <h2 id="groups-title">Groups</h2>
              <p class="muted">People in a group may use the pools entitled to it. A pool entitled to no group is open to everyone.</p>
            </div>
            {groupsError && <Alert action={<Button onClick={() => void reloadGroups()}>Reload</Button>}>{groupsError}</Alert>}
            {!groups && !groupsError && <PageLoading label="Loading groups…" />}
            {groups && groups.length === 0 && (
              <EmptyState title="No groups yet">
                Without groups every pool is open to everyone. Create a group to limit who sees a pool.
              </EmptyState>
            )}
            {groups && groups.length > 0 && <GroupsTable groups={groups} members={members} onDelete={setDeletingGroup} />}
            <CreateGroupForm onCreated={(g) => setGroups((gs) => [...(gs ?? []).filter((x) => x.id !== g.id), g])} />
          </section>
        </div>
        <aside>
          <CreateUserForm groups={groups} onCreated={(u) => setUsers((us) => [...(us ?? []).filter((x) => x.id !== u.id), u])} />
          <MfaPolicyCard groups={groups} onSaved={() => void reload()} />
        </aside>
      </div>
      {editingRoles && (
        <EditRolesDialog
          user={editingRoles}
          onClose={() => setEditingRoles(undefined)}
          onSubmit={async (roles) => {
            const updated = await updateUser(editingRoles.id, { roles });
            setUsers((us) => us?.map((u) => (u.id === updated.id ? updated : u)));
          }}
        />
      )}
      {resetting && (
        <ResetPasswordDialog
          user={resetting}
          onClose={() => setResetting(undefined)}
          onSubmit={async (password) => {
            await updateUser(resetting.id, { password });
            setPasswordNote(`${resetting.displayName}’s password was reset; their other sign-ins have ended.`);
          }}
        />
      )}
      {resettingMfa && (
        <ConfirmDialog
          title={`Reset two-step verification of ${resettingMfa.username}?`}
          confirmLabel="Reset MFA"
          failureTitle="Two-step verification was not reset"
          onClose={() => setResettingMfa(undefined)}
          onConfirm={async () => {
            await resetUserMfa(resettingMfa.id);
            setPasswordNote(
              `${resettingMfa.displayName}’s two-step verification was reset; they sign in with their password and set it up again.`,
            );
            await reload();
          }}
        >
          For a lost or replaced phone. Their authenticator secret, recovery codes and remembered browsers are removed. If the MFA policy
          covers them, they must set it up again before using desktops.
        </ConfirmDialog>
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete ${deleting.username}?`}
          confirmLabel="Delete user"
          failureTitle="The user was not deleted"
          onClose={() => setDeleting(undefined)}
          onConfirm={async () => {
            await deleteUser(deleting.id);
            setUsers((us) => us?.filter((u) => u.id !== deleting.id));
          }}
        >
          {deleting.displayName} will no longer be able to sign in, and their open desktops close and end now. This cannot be undone; to
          block access for a while, disable the account instead.
        </ConfirmDialog>
      )}
      {deletingGroup && (
        <ConfirmDialog
          title={`Delete group ${deletingGroup.name}?`}
          confirmLabel="Delete group"
          failureTitle="The group was not deleted"
          onClose={() => setDeletingGroup(undefined)}
          onConfirm={async () => {
            await deleteGroup(deletingGroup.id);
            setGroups((gs) => gs?.filter((g) => g.id !== deletingGroup.id));
            await reload();
          }}
        >
          {memberNote(members.get(deletingGroup.name) ?? 0)} A group that is the only one entitled to some pool cannot be deleted: that
          would open the pool to everyone.
        </ConfirmDialog>
      )}
    </>
  );
}
