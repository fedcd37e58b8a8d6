// Register or edit an existing machine: what it is, which agents reach it, RDP options, how Deskport
// signs in to it (secrets write-only), and who may use it. The form model is modules/machineForm.ts;
// the gateway's field-level 400 details are shown under the field they concern.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Group } from '../../api/adminGroups.ts';
import type { Host } from '../../api/adminHosts.ts';
import { errorMessage, isApiError } from '../../api/client.ts';
import { fieldProblems, unplacedProblems } from '../../api/fieldErrors.ts';
import { createMachine, updateMachine, type AdminMachine, type MachineProtocol } from '../../api/machines.ts';
import {
  createBody,
  draftFromMachine,
  patchBody,
  targetMoved,
  withPort,
  withProtocol,
  type MachineDraft,
  type RdpSecurity,
} from '../../modules/machineForm.ts';
import { Button } from '../Button.tsx';
import { CheckField } from '../CheckField.tsx';
import { ChoiceField } from '../ChoiceField.tsx';
import { FailureAlert, type FormFailure } from '../FailureAlert.tsx';
import { PolicyFields } from '../admin/PolicyFields.tsx';
import { GroupPicker } from '../GroupPicker.tsx';
import { SelectField } from '../SelectField.tsx';
import { TextField } from '../TextField.tsx';
import { HostLabelField } from './HostLabelField.tsx';
import { MachineSignInFields } from './MachineSignInFields.tsx';

const PROTOCOLS = [
  { value: 'rdp', label: 'RDP', help: 'Windows, or Linux with xrdp. Port 3389.' },
  { value: 'vnc', label: 'VNC', help: 'A VNC server on any system. Port 5900.' },
  { value: 'ssh', label: 'SSH', help: 'A terminal in the browser. Port 22.' },
] as const satisfies readonly { value: MachineProtocol; label: string; help: string }[];
const REACH = [
  { value: 'host', label: 'One host', help: 'The agent on this host dials the machine.' },
  { value: 'label', label: 'Hosts with a label', help: 'Any connected host with this label may dial it.' },
] as const;
const SECURITY: { value: RdpSecurity; label: string }[] = [
  { value: 'any', label: 'Negotiate (any)' },
  { value: 'nla', label: 'NLA (Network Level Authentication)' },
  { value: 'tls', label: 'TLS' },
  { value: 'rdp', label: 'Standard RDP encryption (legacy)' },
];

/** Every field the form shows an input for; other problems are listed at the top. */
const SHOWN = [
  'name',
  'description',
  'protocol',
  'address',
  'port',
  'hostId',
  'hostLabel',
  'security',
  'ignoreCert',
  'domain',
  'credentialMode',
  'username',
  'password',
  'privateKey',
  'groups',
  'policy',
];

type Plan = { ok: false; errors: Record<string, string> } | { ok: true; save(): Promise<AdminMachine> };

/** What Save will send, or why it cannot yet; an edit that changed nothing sends nothing. */
function plan(draft: MachineDraft, machine: AdminMachine | undefined): Plan {
  if (!machine) {
    const r = createBody(draft);
    return r.ok ? { ok: true, save: () => createMachine(r.body) } : r;
  }
  const r = patchBody(draft, machine);
  if (!r.ok) return r;
  return { ok: true, save: async () => (Object.keys(r.body).length > 0 ? updateMachine(machine.id, r.body) : machine) };
}

interface Props {
  machine?: AdminMachine;
  /** A new machine's starting values (e.g. SSH access to a host); ignored when editing. */
  initial?: MachineDraft;
  hosts: Host[] | undefined;
  groups: Group[] | undefined;
  onSaved(machine: AdminMachine, created: boolean): void;
  onCancel(): void;
}

export function MachineForm({ machine, initial, hosts, groups, onSaved, onCancel }: Props) {
  const [draft, setDraft] = useState<MachineDraft>(() => (machine ? draftFromMachine(machine) : (initial ?? draftFromMachine())));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<FormFailure>();
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  /** A field the admin changes loses its old error at once; the rest wait for the next Save. */
  const edit = (fields: string[], change: (d: MachineDraft) => MachineDraft): void => {
    setDraft(change);
    setErrors((e) => (fields.some((f) => f in e) ? Object.fromEntries(Object.entries(e).filter(([k]) => !fields.includes(k))) : e));
  };
  const set =
    <K extends keyof MachineDraft>(key: K) =>
    (value: MachineDraft[K]): void =>
      edit([key, key === 'reach' ? 'hostId' : '', key === 'reach' ? 'hostLabel' : ''], (d) => ({ ...d, [key]: value }));

  useEffect(() => {
    formRef.current?.scrollIntoView({ block: 'start', behavior: 'smooth' });
    formRef.current?.querySelector<HTMLInputElement>('input')?.focus({ preventScroll: true });
  }, []);

  useEffect(() => {
    // Take the admin to the first field that needs a fix.
    const first = formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
    first?.scrollIntoView({ block: 'center', behavior: 'smooth' });
    first?.focus({ preventScroll: true });
  }, [errors]);

  const submit = async (ev: Event): Promise<void> => {
    ev.preventDefault();
    const result = plan(draft, machine);
    if (!result.ok) {
      setErrors(result.errors);
      setFailure({
        message: 'Some fields need a fix before the machine can be saved.',
        lines: unplacedProblems({ byField: result.errors, other: [] }, SHOWN),
      });
      return;
    }
    setBusy(true);
    setErrors({});
    setFailure(undefined);
    try {
      onSaved(await result.save(), machine === undefined);
    } catch (e) {
      const problems = fieldProblems(e);
      if (isApiError(e) && e.code === 'machine_exists') problems.byField.name = e.message;
      setErrors(problems.byField);
      setFailure({
        message:
          Object.keys(problems.byField).length > 0 ? 'The gateway did not accept some fields; see the notes under them.' : errorMessage(e),
        lines: unplacedProblems(problems, SHOWN),
      });
      setBusy(false);
    }
  };

  const moved = targetMoved(draft, machine) && (machine?.passwordSet || machine?.privateKeySet);
  const hostOptions = [
    { value: '', label: hosts === undefined ? 'Loading hosts…' : hosts.length === 0 ? 'No hosts enrolled yet' : 'Choose a host…' },
    ...(hosts ?? []).map((h) => ({ value: h.id, label: h.state === 'online' ? h.name : `${h.name} (${h.state})` })),
  ];
  const title = machine ? `Edit ${machine.name}` : 'New machine';
  return (
    <form
      ref={formRef}
      class="card machine-form"
      onSubmit={(ev) => void submit(ev)}
      aria-labelledby="machine-form-title"
      data-testid="machine-form"
      data-mode={machine ? 'edit' : 'create'}
      noValidate
    >
      <h2 id="machine-form-title" class="card__title">
        {title}
      </h2>
      {failure && <FailureAlert title="The machine was not saved" failure={failure} />}
      <section class="form-section" aria-labelledby="machine-form-what">
        <h3 id="machine-form-what">The machine</h3>
        <div class="form-grid">
          <TextField
            id="machine-name"
            name="name"
            label="Name"
            value={draft.name}
            onValue={set('name')}
            error={errors.name}
            maxLength={128}
            autocomplete="off"
            placeholder="e.g. Finance PC 12"
          />
          <TextField
            id="machine-description"
            name="description"
            label="Description"
            value={draft.description}
            onValue={set('description')}
            error={errors.description}
            maxLength={500}
            class="span-2"
            autocomplete="off"
            placeholder="Shown to people on My desktops"
          />
        </div>
        <ChoiceField
          id="machine-protocol"
          name="protocol"
          legend="Protocol"
          value={draft.protocol}
          choices={PROTOCOLS}
          onValue={(p) => edit(['protocol', 'port', 'privateKey'], (d) => withProtocol(d, p))}
          error={errors.protocol}
        />
        <div class="form-grid machine-form__target">
          <TextField
            id="machine-address"
            name="address"
            label="Address"
            value={draft.address}
            onValue={set('address')}
            error={errors.address}
            class="span-2"
            maxLength={253}
            autocomplete="off"
            spellcheck={false}
            autoCapitalize="none"
            placeholder="e.g. fin-pc-12.corp.example or 10.20.0.12"
            hint="As the agent’s host sees it: a host name or IP address, without scheme or port."
          />
          <TextField
            id="machine-port"
            name="port"
            label="Port"
            value={draft.port}
            onValue={(p) => edit(['port'], (d) => withPort(d, p))}
            error={errors.port}
            inputMode="numeric"
            maxLength={5}
            hint={draft.portEdited ? 'Empty it to use the protocol’s default.' : 'The protocol’s default.'}
          />
        </div>
        {moved && (
          <p class="field__hint machine-form__moved" data-testid="machine-moved-note">
            The address or port changed: the stored secret is not sent to a new address, so enter it again below.
          </p>
        )}
      </section>
      <section class="form-section" aria-labelledby="machine-form-reach">
        <h3 id="machine-form-reach">Reached through</h3>
        <div class="machine-form__reach">
          <ChoiceField
            id="machine-reach"
            name="reach"
            legend="Which agents dial it"
            value={draft.reach}
            choices={REACH}
            onValue={set('reach')}
          />
          {draft.reach === 'host' ? (
            <SelectField
              id="machine-host"
              name="hostId"
              label="Host"
              value={draft.hostId}
              options={hostOptions}
              onValue={set('hostId')}
              error={errors.hostId}
              hint="Deskport never connects to the machine itself; this host’s agent does."
            />
          ) : (
            <HostLabelField
              id="machine-host-label"
              value={draft.hostLabel}
              onValue={set('hostLabel')}
              hosts={hosts}
              error={errors.hostLabel}
            />
          )}
        </div>
      </section>
      {draft.protocol === 'rdp' && (
        <section class="form-section" aria-labelledby="machine-form-rdp">
          <h3 id="machine-form-rdp">RDP</h3>
          <div class="form-grid">
            <SelectField
              id="machine-security"
              name="security"
              label="Security"
              value={draft.security}
              options={SECURITY}
              onValue={set('security')}
              error={errors.security}
              hint="Negotiate works with most servers; choose NLA to require it."
            />
            <TextField
              id="machine-domain"
              name="domain"
              label="Domain"
              value={draft.domain}
              onValue={set('domain')}
              error={errors.domain}
              maxLength={256}
              autocomplete="off"
              spellcheck={false}
              placeholder="optional, e.g. CORP"
            />
            <CheckField
              id="machine-ignore-cert"
              name="ignoreCert"
              label="Accept an unverified certificate"
              help="For self-signed servers. The connection is still encrypted, but not proven to reach this machine: use only on networks you trust."
              checked={draft.ignoreCert}
              onValue={set('ignoreCert')}
              error={errors.ignoreCert}
            />
          </div>
        </section>
      )}
      <MachineSignInFields machine={machine} draft={draft} errors={errors} moved={Boolean(moved)} set={set} />
      <section class="form-section" aria-label="Entitlement">
        <GroupPicker
          id="machine-groups"
          legend="Entitled groups"
          groups={groups}
          selected={draft.groups}
          onChange={set('groups')}
          error={errors.groups}
          emptyNote="None selected: everyone may use this machine."
        />
      </section>
      <PolicyFields id="machine" draft={draft.policy} onChange={set('policy')} errors={errors} />
      <div class="form-actions">
        <Button variant="ghost" onClick={onCancel} disabled={busy}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" busy={busy}>
          {machine ? 'Save changes' : 'Add machine'}
        </Button>
      </div>
    </form>
  );
}
