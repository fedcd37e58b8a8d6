// Create or edit a pool: every field of the API, timeouts in friendly units, and the gateway's
// field-level 400 details shown under the field they concern.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Group } from '../../api/adminGroups.ts';
import {
  createPool,
  updatePool,
  type AdminPool,
  type Driver,
  type Persistence,
  type Placement,
  type PoolNetwork,
  type Protocol,
} from '../../api/adminPools.ts';
import { errorMessage, isApiError } from '../../api/client.ts';
import { fieldProblems, unplacedProblems } from '../../api/fieldErrors.ts';
import { formatDuration } from '../../modules/duration.ts';
import { changedFields, draftFromPool, hasNetworkChoice, inputFromDraft, usesImage, type PoolDraft } from '../../modules/poolForm.ts';
import { Button } from '../Button.tsx';
import { ChoiceField } from '../ChoiceField.tsx';
import { DurationField } from '../DurationField.tsx';
import { FailureAlert, type FormFailure } from '../FailureAlert.tsx';
import { GroupPicker } from '../GroupPicker.tsx';
import { SelectField } from '../SelectField.tsx';
import { PolicyFields } from './PolicyFields.tsx';
import { TextField } from '../TextField.tsx';

const DRIVER_OPTIONS: { value: Driver; label: string }[] = [
  { value: 'process', label: 'process: local desktop processes' },
  { value: 'docker', label: 'docker: a container per desktop' },
  { value: 'qemu', label: 'qemu: a virtual machine per desktop' },
  { value: 'static', label: 'static: existing machines' },
];
const NETWORK_OPTIONS: { value: PoolNetwork; label: string }[] = [
  { value: 'none', label: 'None: no network interface' },
  { value: 'restricted', label: 'Restricted: an isolated NIC' },
];
const PROTOCOL_OPTIONS: { value: Protocol; label: string }[] = [
  { value: 'vnc', label: 'VNC' },
  { value: 'rdp', label: 'RDP' },
];
const PERSISTENCE = [
  { value: 'pooled', label: 'Pooled', help: 'A fresh desktop every time; nothing is kept when the session ends.' },
  { value: 'personal', label: 'Personal', help: 'Each user keeps their own desktop and home between sessions.' },
] as const satisfies readonly { value: Persistence; label: string; help: string }[];
const PLACEMENT = [
  { value: 'breadth', label: 'Spread (breadth)', help: 'New desktops go to the least busy host, spreading the load.' },
  { value: 'depth', label: 'Pack (depth)', help: 'New desktops fill the busiest host first, leaving others free.' },
] as const satisfies readonly { value: Placement; label: string; help: string }[];

/** Every field the form shows an input for; other problems are listed at the top. */
const SHOWN = [
  'name',
  'description',
  'driver',
  'protocol',
  'image',
  'cpu',
  'memoryMb',
  'minWarm',
  'maxDesktops',
  'maxPerUser',
  'idleTimeoutS',
  'graceS',
  'maxLifetimeS',
  'persistence',
  'placement',
  'network',
  'groups',
  'shadowWithoutConsent',
  'policy',
];
const limitText = (field: string, n: number): string => (field.endsWith('S') ? formatDuration(n, { long: true }) : String(n));

interface Props {
  pool?: AdminPool;
  groups: Group[] | undefined;
  onSaved(pool: AdminPool, created: boolean): void;
  onCancel(): void;
}

export function PoolForm({ pool, groups, onSaved, onCancel }: Props) {
  const [draft, setDraft] = useState<PoolDraft>(() => draftFromPool(pool));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<FormFailure>();
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const set =
    <K extends keyof PoolDraft>(key: K) =>
    (value: PoolDraft[K]): void =>
      setDraft((d) => ({ ...d, [key]: value }));

  useEffect(() => {
    formRef.current?.scrollIntoView({ block: 'start', behavior: 'smooth' });
    formRef.current?.querySelector<HTMLInputElement>('input')?.focus({ preventScroll: true });
  }, []);

  useEffect(() => {
    // Take the admin to the first field that needs a fix.
    const first = formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"], fieldset[aria-describedby$="-error"] input');
    first?.scrollIntoView({ block: 'center', behavior: 'smooth' });
    first?.focus({ preventScroll: true });
  }, [errors]);

  const submit = async (ev: Event): Promise<void> => {
    ev.preventDefault();
    const result = inputFromDraft(draft);
    if (!result.ok) {
      setErrors(result.errors);
      setFailure({ message: 'Some fields need a fix before the pool can be saved.', lines: [] });
      return;
    }
    setBusy(true);
    setErrors({});
    setFailure(undefined);
    try {
      if (pool) {
        const patch = changedFields(pool, result.input);
        onSaved(Object.keys(patch).length > 0 ? await updatePool(pool.id, patch) : pool, false);
      } else {
        onSaved(await createPool(result.input), true);
      }
    } catch (e) {
      const problems = fieldProblems(e, limitText);
      if (isApiError(e) && e.code === 'name_taken') problems.byField.name = e.message;
      setErrors(problems.byField);
      setFailure({
        message:
          Object.keys(problems.byField).length > 0 ? 'The gateway did not accept some fields; see the notes under them.' : errorMessage(e),
        lines: unplacedProblems(problems, SHOWN),
      });
      setBusy(false);
    }
  };

  const title = pool ? `Edit ${pool.name}` : 'New pool';
  return (
    <form
      ref={formRef}
      class="card pool-form"
      onSubmit={(ev) => void submit(ev)}
      aria-labelledby="pool-form-title"
      data-testid="pool-form"
      data-mode={pool ? 'edit' : 'create'}
      noValidate
    >
      <h2 id="pool-form-title" class="card__title">
        {title}
      </h2>
      {failure && <FailureAlert title="The pool was not saved" failure={failure} />}
      <section class="form-section" aria-labelledby="pool-form-what">
        <h3 id="pool-form-what">What it runs</h3>
        <div class="form-grid">
          <TextField
            id="pool-name"
            name="name"
            label="Name"
            value={draft.name}
            onValue={set('name')}
            error={errors.name}
            maxLength={100}
            autocomplete="off"
            placeholder="e.g. Ubuntu developer desktop"
          />
          <TextField
            id="pool-description"
            name="description"
            label="Description"
            value={draft.description}
            onValue={set('description')}
            error={errors.description}
            class="span-2"
            autocomplete="off"
            placeholder="Shown to users on My desktops"
          />
          <SelectField
            id="pool-driver"
            name="driver"
            label="Driver"
            value={draft.driver}
            options={DRIVER_OPTIONS}
            onValue={set('driver')}
            error={errors.driver}
          />
          <SelectField
            id="pool-protocol"
            name="protocol"
            label="Protocol"
            value={draft.protocol}
            options={PROTOCOL_OPTIONS}
            onValue={set('protocol')}
            error={errors.protocol}
          />
          {usesImage(draft.driver) && (
            <TextField
              id="pool-image"
              name="image"
              label="Image"
              value={draft.image}
              onValue={set('image')}
              error={errors.image}
              autocomplete="off"
              spellcheck={false}
              placeholder={draft.driver === 'docker' ? 'deskport/xfce:latest' : 'vm'}
              hint={
                draft.driver === 'docker'
                  ? 'A container image the hosts can run.'
                  : 'The disk each VM starts from: vm (the Debian desktop image), vm-test, or the full path of a .qcow2 file on the hosts.'
              }
            />
          )}
          {hasNetworkChoice(draft.driver) && (
            <SelectField
              id="pool-network"
              name="network"
              label="Guest network"
              value={draft.network}
              options={NETWORK_OPTIONS}
              onValue={set('network')}
              error={errors.network}
              hint="Restricted: the VM gets a NIC and an address, but reaches neither this host nor any other network."
            />
          )}
        </div>
      </section>
      <section class="form-section" aria-labelledby="pool-form-size">
        <h3 id="pool-form-size">Size and limits</h3>
        <div class="form-grid form-grid--5">
          <TextField
            id="pool-cpu"
            name="cpu"
            label="CPUs"
            value={draft.cpu}
            onValue={set('cpu')}
            error={errors.cpu}
            inputMode="decimal"
            placeholder="default"
            hint="Per desktop, e.g. 2 or 0.5."
          />
          <TextField
            id="pool-memory"
            name="memoryMb"
            label="Memory (MB)"
            value={draft.memoryMb}
            onValue={set('memoryMb')}
            error={errors.memoryMb}
            inputMode="numeric"
            placeholder="default"
            hint="Per desktop, e.g. 4096."
          />
          <TextField
            id="pool-min-warm"
            name="minWarm"
            label="Warm spares"
            value={draft.minWarm}
            onValue={set('minWarm')}
            error={errors.minWarm}
            inputMode="numeric"
            hint="Kept running for instant launch (pooled only)."
          />
          <TextField
            id="pool-max-desktops"
            name="maxDesktops"
            label="Max desktops"
            value={draft.maxDesktops}
            onValue={set('maxDesktops')}
            error={errors.maxDesktops}
            inputMode="numeric"
            hint="For the whole pool, spares included."
          />
          <TextField
            id="pool-max-per-user"
            name="maxPerUser"
            label="Max per user"
            value={draft.maxPerUser}
            onValue={set('maxPerUser')}
            error={errors.maxPerUser}
            inputMode="numeric"
            hint="Desktops one person may hold at once."
          />
        </div>
      </section>
      <section class="form-section" aria-labelledby="pool-form-time">
        <h3 id="pool-form-time">Timeouts</h3>
        <div class="form-grid">
          <DurationField
            id="pool-idle"
            name="idleTimeoutS"
            label="Idle timeout"
            value={draft.idleTimeoutS}
            onValue={set('idleTimeoutS')}
            error={errors.idleTimeoutS}
            hint="Ends a session with no input for this long. 0: never."
          />
          <DurationField
            id="pool-grace"
            name="graceS"
            label="Disconnect grace"
            value={draft.graceS}
            onValue={set('graceS')}
            error={errors.graceS}
            hint="Time to reconnect after the last viewer leaves. 0: end at once."
          />
          <DurationField
            id="pool-lifetime"
            name="maxLifetimeS"
            label="Max lifetime"
            value={draft.maxLifetimeS}
            onValue={set('maxLifetimeS')}
            error={errors.maxLifetimeS}
            hint="Ends any session this old. 0: no limit."
          />
        </div>
      </section>
      <section class="form-section form-section--pair" aria-label="Behaviour">
        <ChoiceField
          id="pool-persistence"
          name="persistence"
          legend="Persistence"
          value={draft.persistence}
          choices={PERSISTENCE}
          onValue={set('persistence')}
          error={errors.persistence}
        />
        <ChoiceField
          id="pool-placement"
          name="placement"
          legend="Placement"
          value={draft.placement}
          choices={PLACEMENT}
          onValue={set('placement')}
          error={errors.placement}
        />
      </section>
      <section class="form-section" aria-label="Entitlement">
        <GroupPicker
          id="pool-groups"
          legend="Entitled groups"
          groups={groups}
          selected={draft.groups}
          onChange={set('groups')}
          error={errors.groups}
          emptyNote="None selected: everyone may use this pool."
        />
      </section>
      <section class="form-section" aria-label="Helpdesk">
        <label class={draft.shadowWithoutConsent ? 'check is-checked' : 'check'}>
          <input
            id="pool-shadow-without-consent"
            type="checkbox"
            name="shadowWithoutConsent"
            checked={draft.shadowWithoutConsent}
            onChange={(ev) => set('shadowWithoutConsent')(ev.currentTarget.checked)}
            aria-describedby="pool-shadow-without-consent-hint"
          />
          <span class="check__label">Helpdesk may view without asking (the user still sees a banner)</span>
        </label>
        <span id="pool-shadow-without-consent-hint" class="field__hint">
          The user can stop it at any time. Taking control always asks first.
        </span>
        {errors.shadowWithoutConsent && (
          <span class="field__error" data-testid="pool-shadow-without-consent-error">
            {errors.shadowWithoutConsent}
          </span>
        )}
      </section>
      {draft.driver === 'qemu' && (
        <p class="muted small" role="note" data-testid="pool-vm-policy-note">
          {draft.protocol === 'rdp'
            ? 'RDP VM desktops have the clipboard but no file transfer or sound yet: the file and sound settings below do nothing for this pool until they do.'
            : 'VM desktops have no file transfer, clipboard or sound yet: the settings for those below do nothing for this pool until they do.'}
        </p>
      )}
      <PolicyFields id="pool" draft={draft.policy} onChange={set('policy')} errors={errors} />
      <div class="form-actions">
        <Button variant="ghost" onClick={onCancel} disabled={busy}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" busy={busy}>
          {pool ? 'Save changes' : 'Create pool'}
        </Button>
      </div>
    </form>
  );
}
