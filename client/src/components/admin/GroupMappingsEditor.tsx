// A provider's group mappings: each row maps a group name the provider sends to a Deskport group or
// a role. Saved all at once (the API replaces the list); unsaved edits are marked.
import { useEffect, useState } from 'preact/hooks';
import type { Group } from '../../api/adminGroups.ts';
import { ROLES, saveMappings, type IdentityProvider, type Role } from '../../api/adminIdentity.ts';
import { errorMessage } from '../../api/client.ts';
import { mappingsFromRows, newRow, rowsChanged, rowsFromMappings, type MappingRow, type RowErrors } from '../../modules/groupMappings.ts';
import { paths } from '../../modules/router.ts';
import { Alert } from '../Alert.tsx';
import { Button } from '../Button.tsx';
import { RowActions } from '../DataTable.tsx';
import { Link } from '../Link.tsx';

const ROLE_LABEL: Record<Role, string> = { user: 'User', helpdesk: 'Helpdesk', admin: 'Administrator' };

interface Props {
  provider: IdentityProvider;
  groups: Group[] | undefined;
  onSaved(provider: IdentityProvider): void;
  onDirty?(dirty: boolean): void;
}

export function GroupMappingsEditor({ provider, groups, onSaved, onDirty }: Props) {
  const [rows, setRows] = useState<MappingRow[]>(() => rowsFromMappings(provider.mappings));
  const [errors, setErrors] = useState<RowErrors>({});
  const [failure, setFailure] = useState<string>();
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const dirty = rowsChanged(rows, provider.mappings);
  useEffect(() => onDirty?.(dirty), [dirty]);

  const update = (key: string, patch: Partial<MappingRow>): void => {
    setSaved(false);
    setRows((rs) => rs.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  };
  const add = (): void => {
    setSaved(false);
    const row = newRow();
    setRows((rs) => [...rs, row]);
    // Focus the new row's name once it is rendered.
    setTimeout(() => document.getElementById(`map-${row.key}-name`)?.focus(), 0);
  };
  const remove = (key: string): void => {
    setSaved(false);
    setRows((rs) => rs.filter((r) => r.key !== key));
  };

  const save = async (): Promise<void> => {
    const result = mappingsFromRows(rows);
    setFailure(undefined);
    if (!result.ok) {
      setErrors(result.errors);
      setFailure('Some rows need a fix; see the notes on them.');
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      const p = await saveMappings(provider.id, result.mappings);
      setRows(rowsFromMappings(p.mappings));
      setSaved(true);
      onSaved(p);
    } catch (e) {
      setFailure(errorMessage(e));
    }
    setBusy(false);
  };

  const source =
    provider.kind === 'oidc'
      ? `the values of the “${String(provider.config.groupsClaim ?? 'groups')}” claim`
      : 'the group names the directory returns (the CN of each group)';
  return (
    <section class="card idp-mappings" aria-labelledby="idp-mappings-title" data-testid="idp-mappings">
      <div class="idp-mappings__head">
        <div>
          <h2 id="idp-mappings-title" class="card__title">
            Group mappings
          </h2>
          <p class="muted small">
            At each sign-in, people get the Deskport groups and roles their provider groups map to, and lose what this provider granted
            before but no longer does. Groups and roles given by hand on the Users page stay. External names are {source}, matched ignoring
            case.
          </p>
        </div>
      </div>
      {failure && <Alert title="The mappings were not saved">{failure}</Alert>}
      {saved && !dirty && (
        <Alert tone="success">
          Saved {provider.mappings.length === 1 ? '1 mapping' : `${provider.mappings.length} mappings`}. They apply from each person’s next
          sign-in.
        </Alert>
      )}
      {groups?.length === 0 && (
        <p class="muted small">
          No Deskport groups yet, so rows can only grant roles. Create groups on the <Link href={paths.adminUsers()}>Users</Link> page.
        </p>
      )}
      {rows.length === 0 ? (
        <p class="idp-mappings__empty">No mappings: people who sign in through {provider.name} get the user role and no groups.</p>
      ) : (
        <table class="table table--dense idp-mappings__table">
          <thead>
            <tr>
              <th scope="col">External group</th>
              <th scope="col" class="idp-mappings__arrow-col" aria-hidden="true" />
              <th scope="col">Grants</th>
              <th scope="col">Deskport group or role</th>
              <th scope="col" class="table__actions-col">
                <span class="visually-hidden">Remove</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => {
              const nameErr = errors[`${r.key}:externalGroup`];
              const targetErr = errors[`${r.key}:target`];
              const deleted = r.grants === 'group' && r.target !== '' && groups !== undefined && !groups.some((g) => g.id === r.target);
              return (
                <tr key={r.key} data-testid="mapping-row">
                  <td>
                    <input
                      id={`map-${r.key}-name`}
                      class="input"
                      value={r.externalGroup}
                      onInput={(ev) => update(r.key, { externalGroup: ev.currentTarget.value })}
                      aria-label={`External group, row ${i + 1}`}
                      aria-invalid={nameErr ? true : undefined}
                      aria-describedby={nameErr ? `map-${r.key}-name-error` : undefined}
                      placeholder={provider.kind === 'ldap' ? 'Desk Admins' : 'deskport-admins'}
                      autocomplete="off"
                      spellcheck={false}
                      maxLength={256}
                    />
                    {nameErr && (
                      <span id={`map-${r.key}-name-error`} class="field__error">
                        {nameErr}
                      </span>
                    )}
                  </td>
                  <td class="idp-mappings__arrow" aria-hidden="true">
                    →
                  </td>
                  <td>
                    <select
                      class="input select"
                      value={r.grants}
                      aria-label={`Grants, row ${i + 1}`}
                      onChange={(ev) => update(r.key, { grants: ev.currentTarget.value as MappingRow['grants'], target: '' })}
                    >
                      <option value="group">Group</option>
                      <option value="role">Role</option>
                    </select>
                  </td>
                  <td>
                    <select
                      class="input select"
                      value={r.target}
                      aria-label={`${r.grants === 'group' ? 'Deskport group' : 'Role'}, row ${i + 1}`}
                      onChange={(ev) => update(r.key, { target: ev.currentTarget.value })}
                      aria-invalid={targetErr ? true : undefined}
                      aria-describedby={targetErr ? `map-${r.key}-target-error` : undefined}
                    >
                      <option value="" disabled>
                        {r.grants === 'group' ? (groups === undefined ? 'Loading groups…' : 'Choose a group') : 'Choose a role'}
                      </option>
                      {r.grants === 'group'
                        ? groups?.map((g) => (
                            <option key={g.id} value={g.id}>
                              {g.name}
                            </option>
                          ))
                        : ROLES.map((role) => (
                            <option key={role} value={role}>
                              {ROLE_LABEL[role]}
                            </option>
                          ))}
                      {deleted && <option value={r.target}>(deleted group)</option>}
                    </select>
                    {targetErr && (
                      <span id={`map-${r.key}-target-error`} class="field__error">
                        {targetErr}
                      </span>
                    )}
                    {r.grants === 'role' && r.target === 'admin' && (
                      <span class="field__hint idp-mappings__warn">Everyone in this group becomes a Deskport administrator.</span>
                    )}
                  </td>
                  <RowActions>
                    <Button size="sm" variant="subtle-danger" onClick={() => remove(r.key)} aria-label={`Remove mapping, row ${i + 1}`}>
                      Remove
                    </Button>
                  </RowActions>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <div class="idp-mappings__actions">
        <Button onClick={add} data-testid="mapping-add">
          Add mapping
        </Button>
        <span class="idp-mappings__spacer" />
        {dirty && <span class="idp-mappings__unsaved">Unsaved changes</span>}
        {dirty && (
          <Button
            variant="ghost"
            disabled={busy}
            onClick={() => {
              setRows(rowsFromMappings(provider.mappings));
              setErrors({});
              setFailure(undefined);
            }}
          >
            Discard
          </Button>
        )}
        <Button variant="primary" busy={busy} disabled={!dirty} onClick={() => void save()} data-testid="mapping-save">
          Save mappings
        </Button>
      </div>
    </section>
  );
}
