// Admin console, existing machines: RDP, VNC and SSH servers Deskport does not start. The list, one
// form for adding and editing, and delete with a confirm (their live sessions end).
import { useEffect, useState } from 'preact/hooks';
import { listGroups } from '../api/adminGroups.ts';
import { listHosts } from '../api/adminHosts.ts';
import { deleteMachine, listAdminMachines, type AdminMachine } from '../api/machines.ts';
import { Alert } from '../components/Alert.tsx';
import { Button } from '../components/Button.tsx';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { EmptyState } from '../components/EmptyState.tsx';
import { MachineForm } from '../components/machines/MachineForm.tsx';
import { MachinesTable } from '../components/machines/MachinesTable.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { PageLoading } from '../components/Spinner.tsx';
import { sshAccessDraft, type MachineDraft } from '../modules/machineForm.ts';
import { navigate, paths } from '../modules/router.ts';
import { useLoad } from '../modules/useLoad.ts';

type Editing = { mode: 'create'; initial?: MachineDraft } | { mode: 'edit'; machine: AdminMachine };

/** `sshHost`: opened from Admin → Hosts → SSH access; the form starts with SSH to that host. */
export function AdminMachinesPage({ sshHost }: { sshHost?: string }) {
  const { data, setData, error, reload } = useLoad(async (signal) => {
    const [machines, hosts, groups] = await Promise.all([listAdminMachines(signal), listHosts(signal), listGroups(signal)]);
    return { machines, hosts, groups };
  });
  const machines = data?.machines;
  const setMachines = (update: (ms: AdminMachine[]) => AdminMachine[]): void => setData((d) => d && { ...d, machines: update(d.machines) });
  const [editing, setEditing] = useState<Editing>();
  const [deleting, setDeleting] = useState<AdminMachine>();
  const [notice, setNotice] = useState<string>();

  const groupNames = new Map((data?.groups ?? []).map((g) => [g.id, g.name]));
  const hosts = new Map((data?.hosts ?? []).map((h) => [h.id, h]));
  const open = (next: Editing): void => {
    setNotice(undefined);
    setEditing(next);
  };

  useEffect(() => {
    if (!sshHost || !data) return;
    const host = data.hosts.find((h) => h.id === sshHost);
    // The link is used once: a reload or Back shows the plain list, not the form again.
    navigate(paths.adminMachines(), { replace: true });
    if (host) open({ mode: 'create', initial: sshAccessDraft(host) });
  }, [sshHost, data !== undefined]);

  const saved = (machine: AdminMachine, created: boolean): void => {
    setMachines((ms) => (created ? [...ms, machine] : ms.map((m) => (m.id === machine.id ? machine : m))));
    setEditing(undefined);
    setNotice(created ? `Added ${machine.name}. Entitled people see it on My desktops now.` : `Saved ${machine.name}.`);
  };

  const remove = async (machine: AdminMachine): Promise<void> => {
    await deleteMachine(machine.id);
    setMachines((ms) => ms.filter((m) => m.id !== machine.id));
    if (editing?.mode === 'edit' && editing.machine.id === machine.id) setEditing(undefined);
    setNotice(`Deleted ${machine.name}.`);
  };

  const actions = !editing && (
    <Button variant="primary" onClick={() => open({ mode: 'create' })}>
      Add machine
    </Button>
  );

  return (
    <>
      <PageHeading
        title="Machines"
        subtitle="Existing RDP, VNC and SSH servers people can connect to. An agent that can see them does the connecting."
        actions={actions}
      />
      {notice && <Alert tone="success">{notice}</Alert>}
      {editing && (
        <MachineForm
          key={editing.mode === 'edit' ? editing.machine.id : `new-${editing.initial?.hostId ?? ''}`}
          machine={editing.mode === 'edit' ? editing.machine : undefined}
          initial={editing.mode === 'create' ? editing.initial : undefined}
          hosts={data?.hosts}
          groups={data?.groups}
          onSaved={saved}
          onCancel={() => setEditing(undefined)}
        />
      )}
      {error && <Alert action={<Button onClick={() => void reload()}>Reload</Button>}>{error}</Alert>}
      {!machines && !error && <PageLoading label="Loading machines…" />}
      {machines && machines.length === 0 && !editing && (
        <EmptyState title="No machines yet">
          Register a Windows PC, a Linux server or anything else that speaks RDP, VNC or SSH with “Add machine”. It needs an enrolled host
          whose agent can reach it.
        </EmptyState>
      )}
      {machines && machines.length > 0 && (
        <MachinesTable
          machines={machines}
          hosts={hosts}
          groupNames={groupNames}
          editingId={editing?.mode === 'edit' ? editing.machine.id : undefined}
          onEdit={(machine) => open({ mode: 'edit', machine })}
          onDelete={setDeleting}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete ${deleting.name}?`}
          confirmLabel="Delete machine"
          failureTitle="The machine was not deleted"
          onClose={() => setDeleting(undefined)}
          onConfirm={() => remove(deleting)}
        >
          Nobody will be able to connect to {deleting.name} through Deskport any more, and live sessions on it end. The machine itself is
          not touched.
        </ConfirmDialog>
      )}
    </>
  );
}
