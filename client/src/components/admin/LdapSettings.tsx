// The LDAP / Active Directory part of the provider form: server and TLS, the service account, how
// people and their groups are found. "Active Directory" and "OpenLDAP" fill the filters and
// attributes; the gateway's defaults are the placeholders.
import { useState } from 'preact/hooks';
import {
  applyPreset,
  LDAP_DEFAULTS,
  LDAP_PRESETS,
  suggestGroupBase,
  type Errors,
  type GroupMode,
  type LdapDraft,
  type LdapPreset,
} from '../../modules/identityForm.ts';
import { Button } from '../Button.tsx';
import { CheckField } from '../CheckField.tsx';
import { ChoiceField } from '../ChoiceField.tsx';
import { TextField } from '../TextField.tsx';

const GROUP_MODES = [
  {
    value: 'memberOf',
    label: 'From an attribute of the user',
    help: 'memberOf on Active Directory, or OpenLDAP with the memberof overlay.',
  },
  { value: 'search', label: 'Search for groups', help: 'Looks under a group base for groups that list the user.' },
  { value: 'none', label: 'Do not read groups', help: 'Group mappings will not apply to this directory.' },
] as const satisfies readonly { value: GroupMode; label: string; help: string }[];

interface Props {
  draft: LdapDraft;
  onChange(next: LdapDraft): void;
  errors: Errors;
  secretSet: boolean;
}

export function LdapSettings({ draft, onChange, errors, secretSet }: Props) {
  const [preset, setPreset] = useState<LdapPreset>();
  const set =
    <K extends keyof LdapDraft>(key: K) =>
    (value: LdapDraft[K]): void =>
      onChange({ ...draft, [key]: value });
  const fill = (p: LdapPreset): void => {
    onChange(applyPreset(draft, p));
    setPreset(p);
  };
  const ldaps = draft.url.trim().toLowerCase().startsWith('ldaps:');
  return (
    <>
      <section class="form-section" aria-labelledby="idp-ldap-preset">
        <h3 id="idp-ldap-preset">Directory type</h3>
        <div class="preset-bar">
          <span class="preset-bar__text">Fill the filters and attributes below for:</span>
          {(Object.keys(LDAP_PRESETS) as LdapPreset[]).map((p) => (
            <Button key={p} size="sm" onClick={() => fill(p)} aria-pressed={preset === p} data-testid={`idp-preset-${p}`}>
              {LDAP_PRESETS[p].label}
            </Button>
          ))}
          {preset && (
            <span class="preset-bar__done" role="status">
              Filled for {LDAP_PRESETS[preset].label}. Review them, then save.
            </span>
          )}
        </div>
      </section>
      <section class="form-section" aria-labelledby="idp-ldap-server">
        <h3 id="idp-ldap-server">Server</h3>
        <div class="form-grid">
          <TextField
            id="idp-url"
            name="url"
            label="Server URL"
            value={draft.url}
            onValue={set('url')}
            error={errors.url}
            class="span-2"
            autocomplete="off"
            spellcheck={false}
            placeholder="ldaps://dc1.corp.example.com:636"
            hint="ldaps://host:636 (TLS), or ldap://host:389 with StartTLS. One server per provider."
          />
          <TextField
            id="idp-timeout"
            name="timeoutMs"
            label="Timeout (ms)"
            value={draft.timeoutMs}
            onValue={set('timeoutMs')}
            error={errors.timeoutMs}
            inputMode="numeric"
            placeholder={LDAP_DEFAULTS.timeoutMs}
            hint="For each sign-in, 100 to 60000."
          />
          <CheckField
            id="idp-starttls"
            name="startTls"
            label="Use StartTLS"
            help={ldaps ? 'Not needed: ldaps:// is already encrypted.' : 'Upgrade an ldap:// connection to TLS before binding.'}
            checked={draft.startTls}
            onValue={set('startTls')}
            error={errors.startTls}
          />
          <CheckField
            id="idp-tls-verify"
            name="tlsRejectUnauthorized"
            label="Verify the server certificate"
            help={draft.tlsRejectUnauthorized ? 'Recommended.' : 'Off: anyone on the network path could read passwords.'}
            checked={draft.tlsRejectUnauthorized}
            onValue={set('tlsRejectUnauthorized')}
            error={errors.tlsRejectUnauthorized}
          />
          <TextField
            id="idp-ca-file"
            name="tlsCaFile"
            label="CA certificate file"
            value={draft.tlsCaFile}
            onValue={set('tlsCaFile')}
            error={errors.tlsCaFile}
            autocomplete="off"
            spellcheck={false}
            placeholder="/etc/ssl/certs/corp-ca.pem"
            hint="Optional absolute path on the gateway, for a private CA."
          />
        </div>
      </section>
      <section class="form-section" aria-labelledby="idp-ldap-bind">
        <h3 id="idp-ldap-bind">Service account</h3>
        <div class="form-grid">
          <TextField
            id="idp-bind-dn"
            name="bindDn"
            label="Bind DN"
            value={draft.bindDn}
            onValue={set('bindDn')}
            error={errors.bindDn}
            class="span-2"
            autocomplete="off"
            spellcheck={false}
            placeholder="CN=svc-deskport,OU=Service Accounts,DC=corp,DC=example,DC=com"
            hint="Searches for people and groups. Leave it and the password empty for anonymous search."
          />
          <TextField
            id="idp-bind-password"
            name="bindPassword"
            label="Bind password"
            type="password"
            value={draft.bindPassword}
            onValue={set('bindPassword')}
            error={errors.bindPassword}
            autocomplete="new-password"
            placeholder={secretSet ? 'Set — leave empty to keep' : 'Not set'}
            hint={secretSet ? 'A password is stored. Type a new one only to replace it.' : 'Needed whenever a bind DN is given.'}
          />
        </div>
      </section>
      <section class="form-section" aria-labelledby="idp-ldap-users">
        <h3 id="idp-ldap-users">People</h3>
        <div class="form-grid">
          <TextField
            id="idp-user-base"
            name="userBase"
            label="User base DN"
            value={draft.userBase}
            onValue={set('userBase')}
            error={errors.userBase}
            class="span-2"
            autocomplete="off"
            spellcheck={false}
            placeholder="OU=People,DC=corp,DC=example,DC=com"
            hint="Where people are searched for (the whole subtree)."
          />
          <TextField
            id="idp-username-attr"
            name="usernameAttribute"
            label="Username attribute"
            value={draft.usernameAttribute}
            onValue={set('usernameAttribute')}
            error={errors.usernameAttribute}
            autocomplete="off"
            spellcheck={false}
            placeholder={LDAP_DEFAULTS.usernameAttribute}
            hint="Becomes the Deskport username."
          />
          <TextField
            id="idp-user-filter"
            name="userFilter"
            label="User filter"
            value={draft.userFilter}
            onValue={set('userFilter')}
            error={errors.userFilter}
            class="span-2"
            autocomplete="off"
            spellcheck={false}
            placeholder={LDAP_DEFAULTS.userFilter}
            hint="Finds the person signing in; {{username}} is what they typed (escaped)."
          />
          <TextField
            id="idp-display-attr"
            name="displayNameAttribute"
            label="Display name attribute"
            value={draft.displayNameAttribute}
            onValue={set('displayNameAttribute')}
            error={errors.displayNameAttribute}
            autocomplete="off"
            spellcheck={false}
            placeholder={LDAP_DEFAULTS.displayNameAttribute}
          />
          <TextField
            id="idp-disabled-filter"
            name="disabledFilter"
            label="Disabled-account filter"
            value={draft.disabledFilter}
            onValue={set('disabledFilter')}
            error={errors.disabledFilter}
            class="span-2"
            autocomplete="off"
            spellcheck={false}
            placeholder="(none)"
            hint="Optional. A person whose entry matches it cannot sign in."
          />
          <TextField
            id="idp-email-attr"
            name="emailAttribute"
            label="Email attribute"
            value={draft.emailAttribute}
            onValue={set('emailAttribute')}
            error={errors.emailAttribute}
            autocomplete="off"
            spellcheck={false}
            placeholder={LDAP_DEFAULTS.emailAttribute}
          />
        </div>
      </section>
      <section class="form-section" aria-labelledby="idp-ldap-groups">
        <h3 id="idp-ldap-groups">Groups</h3>
        <ChoiceField
          id="idp-group-mode"
          name="groupMode"
          legend="How to find a person’s groups"
          value={draft.groupMode}
          choices={GROUP_MODES}
          onValue={set('groupMode')}
          error={errors.memberOfAttribute && draft.groupMode !== 'memberOf' ? errors.memberOfAttribute : undefined}
        />
        {draft.groupMode === 'memberOf' && (
          <div class="form-grid">
            <TextField
              id="idp-memberof-attr"
              name="memberOfAttribute"
              label="Group attribute"
              value={draft.memberOfAttribute}
              onValue={set('memberOfAttribute')}
              error={errors.memberOfAttribute}
              autocomplete="off"
              spellcheck={false}
              placeholder={LDAP_DEFAULTS.memberOfAttribute}
              hint="Holds group DNs; each group's name is its first part (CN=Desk Admins,… → Desk Admins)."
            />
          </div>
        )}
        {draft.groupMode === 'search' && (
          <div class="form-grid">
            <TextField
              id="idp-group-base"
              name="groupBase"
              label="Group base DN"
              value={draft.groupBase}
              onValue={set('groupBase')}
              error={errors.groupBase}
              class="span-2"
              autocomplete="off"
              spellcheck={false}
              placeholder={suggestGroupBase(draft.userBase)}
              hint="Where groups are searched for (the whole subtree)."
            />
            <TextField
              id="idp-group-name-attr"
              name="groupNameAttribute"
              label="Group name attribute"
              value={draft.groupNameAttribute}
              onValue={set('groupNameAttribute')}
              error={errors.groupNameAttribute}
              autocomplete="off"
              spellcheck={false}
              placeholder={LDAP_DEFAULTS.groupNameAttribute}
              hint="The name group mappings match."
            />
            <TextField
              id="idp-group-filter"
              name="groupFilter"
              label="Group filter"
              value={draft.groupFilter}
              onValue={set('groupFilter')}
              error={errors.groupFilter}
              class="span-3"
              autocomplete="off"
              spellcheck={false}
              placeholder={LDAP_DEFAULTS.groupFilter}
              hint="{{dn}} is the person's DN, {{username}} their username. Nested AD groups: (member:1.2.840.113556.1.4.1941:={{dn}})."
            />
          </div>
        )}
      </section>
    </>
  );
}
