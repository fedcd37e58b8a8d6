// The signed-in person's account: who they are (refreshed from GET /api/v1/me on opening) and
// "Change password".
import { useEffect } from 'preact/hooks';
import { refreshMe } from '../api/auth.ts';
import type { Me } from '../api/types.ts';
import { AccountDetails } from '../components/AccountDetails.tsx';
import { ChangePasswordForm } from '../components/ChangePasswordForm.tsx';
import { PageHeading } from '../components/PageHeading.tsx';

export function AccountPage({ me, onMe }: { me: Me; onMe(me: Me): void }) {
  useEffect(() => {
    // Roles and groups may have changed since sign-in. Best effort: the app already has an answer.
    const ac = new AbortController();
    refreshMe(ac.signal).then(
      (fresh) => {
        if (!ac.signal.aborted) onMe(fresh);
      },
      () => {},
    );
    return () => ac.abort();
  }, []);

  return (
    <>
      <PageHeading title="Account" subtitle="Who you are signed in as, and your password." />
      <div class="account-grid">
        <AccountDetails me={me} />
        <ChangePasswordForm username={me.username} />
      </div>
    </>
  );
}
