// Admin console, sign-in: the identity providers (OpenID Connect, LDAP / Active Directory) people
// can sign in with, one provider's settings, connection test and group mappings, and delete.
import { useState } from 'preact/hooks';
import { listGroups } from '../api/adminGroups.ts';
import { deleteProvider, listProviders, updateProvider, type IdentityProvider, type ProviderKind } from '../api/adminIdentity.ts';
import { errorMessage } from '../api/client.ts';
import { ConnectionTest } from '../components/admin/ConnectionTest.tsx';
import { GroupMappingsEditor } from '../components/admin/GroupMappingsEditor.tsx';
import { IdentityProviderForm, KIND_LABEL } from '../components/admin/IdentityProviderForm.tsx';
import { IdentityProvidersTable } from '../components/admin/IdentityProvidersTable.tsx';
import { ProviderKindChooser } from '../components/admin/ProviderKindChooser.tsx';
import { Alert } from '../components/Alert.tsx';
import { Badge } from '../components/Badge.tsx';
import { Button } from '../components/Button.tsx';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { EmptyState } from '../components/EmptyState.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { PageLoading } from '../components/Spinner.tsx';
import { useLoad } from '../modules/useLoad.ts';

type View = { mode: 'list' } | { mode: 'choose' } | { mode: 'create'; kind: ProviderKind } | { mode: 'edit'; id: string };

const SUBTITLE =
  'Let people sign in with your OpenID Connect provider or LDAP / Active Directory, and turn their groups into Deskport groups and roles. Local Deskport accounts keep working.';

export function AdminIdentityPage() {
  const { data, setData, error, reload } = useLoad(async (signal) => {
    const [providers, groups] = await Promise.all([listProviders(signal), listGroups(signal)]);
    return { providers, groups };
  });
  const providers = data?.providers;
  const groups = data?.groups;
  const setProviders = (update: (ps: IdentityProvider[]) => IdentityProvider[]): void =>
    setData((d) => d && { ...d, providers: update(d.providers) });
  const [view, setView] = useState<View>({ mode: 'list' });
  const [notice, setNotice] = useState<string>();
  const [deleting, setDeleting] = useState<IdentityProvider>();
  const [toggling, setToggling] = useState<string>();
  const [toggleError, setToggleError] = useState<string>();
  const [dirty, setDirty] = useState({ form: false, mappings: false });
  const [leaving, setLeaving] = useState(false);

  const go = (next: View): void => {
    setNotice(undefined);
    setToggleError(undefined);
    setDirty({ form: false, mappings: false });
    setView(next);
    window.scrollTo({ top: 0 });
  };
  const backToList = (): void => (dirty.form || dirty.mappings ? setLeaving(true) : go({ mode: 'list' }));
  const replace = (p: IdentityProvider): void =>
    setProviders((ps) => (ps.some((x) => x.id === p.id) ? ps.map((x) => (x.id === p.id ? p : x)) : [...ps, p]));

  const saved = (p: IdentityProvider, created: boolean): void => {
    replace(p);
    if (created) {
      go({ mode: 'edit', id: p.id });
      setNotice(
        `Added ${p.name}. ${p.kind === 'oidc' ? 'Register the redirect URI at your provider, test' : 'Test'} the connection, then map its groups below.`,
      );
    } else {
      setNotice(`Saved the settings of ${p.name}. They apply from the next sign-in.`);
      window.scrollTo({ top: 0, behavior: 'smooth' });
    }
  };

  const toggle = async (p: IdentityProvider): Promise<void> => {
    setToggling(p.id);
    setToggleError(undefined);
    setNotice(undefined);
    try {
      const next = await updateProvider(p.id, { enabled: !p.enabled });
      replace(next);
      setNotice(
        next.enabled
          ? `Enabled ${next.name}${next.valid ? '; it is on the sign-in page now.' : ', but its settings are invalid, so sign-in skips it until they are fixed.'}`
          : `Disabled ${next.name}. Nobody can sign in through it until it is enabled again.`,
      );
    } catch (e) {
      setToggleError(`${p.name} was not ${p.enabled ? 'disabled' : 'enabled'}: ${errorMessage(e)}`);
    }
    setToggling(undefined);
  };

  const remove = async (p: IdentityProvider): Promise<void> => {
    await deleteProvider(p.id);
    setProviders((ps) => ps.filter((x) => x.id !== p.id));
    go({ mode: 'list' });
    setNotice(`Deleted ${p.name}. Its users keep their Deskport accounts.`);
  };

  const editing = view.mode === 'edit' ? providers?.find((p) => p.id === view.id) : undefined;
  const feedback = (
    <>
      {notice && (
        <Alert tone="success" onDismiss={() => setNotice(undefined)}>
          {notice}
        </Alert>
      )}
      {toggleError && <Alert onDismiss={() => setToggleError(undefined)}>{toggleError}</Alert>}
    </>
  );
  const dialogs = (
    <>
      {deleting && (
        <ConfirmDialog
          title={`Delete ${deleting.name}?`}
          confirmLabel="Delete provider"
          failureTitle="The provider was not deleted"
          onClose={() => setDeleting(undefined)}
          onConfirm={() => remove(deleting)}
        >
          Nobody can sign in through {deleting.name} any more
          {deleting.mappings.length === 0
            ? ''
            : deleting.mappings.length === 1
              ? ', and its group mapping is deleted'
              : `, and its ${deleting.mappings.length} group mappings are deleted`}
          . People who signed in through it keep their Deskport accounts, groups and roles; disable it instead if you may need it again.
        </ConfirmDialog>
      )}
      {leaving && (
        <ConfirmDialog
          title="Leave without saving?"
          confirmLabel="Discard changes"
          onClose={() => setLeaving(false)}
          onConfirm={async () => go({ mode: 'list' })}
        >
          Your unsaved {dirty.form && dirty.mappings ? 'settings and mappings are' : dirty.form ? 'settings are' : 'mappings are'} lost.
        </ConfirmDialog>
      )}
    </>
  );

  if (view.mode === 'edit') {
    if (!editing) {
      return (
        <>
          <PageHeading title="Sign-in" subtitle={SUBTITLE} />
          {error ? (
            <Alert action={<Button onClick={() => void reload()}>Reload</Button>}>{error}</Alert>
          ) : providers ? (
            <Alert title="This provider no longer exists" action={<Button onClick={() => go({ mode: 'list' })}>Back to providers</Button>}>
              Another admin may have deleted it.
            </Alert>
          ) : (
            <PageLoading label="Loading providers…" />
          )}
        </>
      );
    }
    const heading = (
      <span class="idp-heading">
        {editing.name}
        <Badge tone={editing.kind === 'oidc' ? 'blue' : 'violet'}>{KIND_LABEL[editing.kind]}</Badge>
        {editing.enabled ? (
          <Badge tone="green" dot>
            Enabled
          </Badge>
        ) : (
          <Badge dot>Disabled</Badge>
        )}
      </span>
    );
    return (
      <>
        <Button variant="ghost" size="sm" class="idp-back" onClick={backToList}>
          ← All providers
        </Button>
        <div class="page-heading">
          <div>
            <h1>{heading}</h1>
            <p class="page-heading__subtitle mono">{editing.id}</p>
          </div>
          <div class="page-heading__actions">
            <Button busy={toggling === editing.id} onClick={() => void toggle(editing)}>
              {editing.enabled ? 'Disable' : 'Enable'}
            </Button>
            <Button variant="subtle-danger" onClick={() => setDeleting(editing)}>
              Delete
            </Button>
          </div>
        </div>
        {feedback}
        {!editing.valid && (
          <Alert title="The saved settings are not valid">
            {editing.enabled ? 'Sign-in skips this provider until they are fixed. ' : ''}
            {editing.problem ?? ''}
          </Alert>
        )}
        <div class="idp-detail">
          <IdentityProviderForm
            key={`${editing.id}:${editing.updatedAt}:${editing.enabled}`}
            provider={editing}
            onSaved={saved}
            onCancel={backToList}
            onDirty={(form) => setDirty((d) => ({ ...d, form }))}
          />
          <ConnectionTest key={`test:${editing.id}`} provider={editing} unsaved={dirty.form} />
          <GroupMappingsEditor
            key={`map:${editing.id}`}
            provider={editing}
            groups={groups}
            onSaved={replace}
            onDirty={(mappings) => setDirty((d) => ({ ...d, mappings }))}
          />
        </div>
        {dialogs}
      </>
    );
  }

  const actions = view.mode === 'list' && providers && providers.length > 0 && (
    <Button variant="primary" onClick={() => go({ mode: 'choose' })} data-testid="idp-add">
      Add provider
    </Button>
  );
  return (
    <>
      <PageHeading title="Sign-in" subtitle={SUBTITLE} actions={actions} />
      {feedback}
      {view.mode === 'choose' && (
        <ProviderKindChooser onChoose={(kind) => go({ mode: 'create', kind })} onCancel={() => go({ mode: 'list' })} />
      )}
      {view.mode === 'create' && (
        <IdentityProviderForm key={view.kind} kind={view.kind} onSaved={saved} onCancel={() => go({ mode: 'list' })} />
      )}
      {error && <Alert action={<Button onClick={() => void reload()}>Reload</Button>}>{error}</Alert>}
      {!providers && !error && <PageLoading label="Loading providers…" />}
      {providers && providers.length === 0 && view.mode === 'list' && (
        <EmptyState title="Only local accounts so far">
          Add an OpenID Connect provider (Entra ID, Okta, Keycloak…) or an LDAP / Active Directory directory so people sign in with their
          company account.
          <span class="idp-empty__action">
            <Button variant="primary" onClick={() => go({ mode: 'choose' })} data-testid="idp-add">
              Add provider
            </Button>
          </span>
        </EmptyState>
      )}
      {providers && providers.length > 0 && (
        <IdentityProvidersTable
          providers={providers}
          togglingId={toggling}
          onEdit={(p) => go({ mode: 'edit', id: p.id })}
          onToggle={(p) => void toggle(p)}
          onDelete={setDeleting}
        />
      )}
      {dialogs}
    </>
  );
}
