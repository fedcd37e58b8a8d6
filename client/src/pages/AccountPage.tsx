// The signed-in person's account: who they are (refreshed from GET /api/v1/me on opening), their
// password, two-step verification, signed-in browsers and API tokens.
import { useEffect } from 'preact/hooks';
import { refreshMe } from '../api/auth.ts';
import type { Me } from '../api/types.ts';
import { AccountDetails } from '../components/AccountDetails.tsx';
import { ApiTokensSection } from '../components/account/ApiTokensSection.tsx';
import { SignedInBrowsers } from '../components/account/SignedInBrowsers.tsx';
import { TwoStepSection } from '../components/account/TwoStepSection.tsx';
import { ChangePasswordForm } from '../components/ChangePasswordForm.tsx';
import { PageHeading } from '../components/PageHeading.tsx';

export function AccountPage({ me, onMe }: { me: Me; onMe(me: Me): void }) {
  const refresh = (signal?: AbortSignal) =>
    // Roles, groups and MFA requirements may have changed since sign-in. Best effort.
    refreshMe(signal).then(
      (fresh) => {
        if (!signal?.aborted) onMe(fresh);
      },
      () => {},
    );
  useEffect(() => {
    const ac = new AbortController();
    void refresh(ac.signal);
    return () => ac.abort();
  }, []);

  return (
    <>
      <PageHeading title="Account" subtitle="Who you are signed in as, and how your account is protected." />
      <div class="account-grid">
        <AccountDetails me={me} />
        {me.localAccount !== false ? <ChangePasswordForm username={me.username} minLength={me.passwordMinLength} /> : <div />}
      </div>
      <div class="account-sections">
        <TwoStepSection username={me.username} localAccount={me.localAccount !== false} onChanged={() => void refresh()} />
        <SignedInBrowsers />
        <ApiTokensSection />
      </div>
    </>
  );
}

/** What a person the MFA policy covers sees until they have enrolled: only the set-up. */
export function MfaEnrollmentPage({ me, onMe }: { me: Me; onMe(me: Me): void }) {
  return (
    <>
      <PageHeading title="Set up two-step verification" subtitle="Your administrator requires it before you use your desktops." />
      <div class="account-sections account-sections--narrow">
        <TwoStepSection
          username={me.username}
          localAccount={me.localAccount !== false}
          onChanged={() => void refreshMe().then(onMe, () => {})}
        />
      </div>
    </>
  );
}
