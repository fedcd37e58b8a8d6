// The app shell: finds out who is signed in, routes, and sends the person to sign in whenever the
// gateway answers 401.
import { useEffect, useState } from 'preact/hooks';
import { fetchMe, isAdmin, isHelpdesk, logout } from './api/auth.ts';
import { errorMessage, isApiError, setUnauthorizedHandler } from './api/client.ts';
import type { Me } from './api/types.ts';
import { Alert } from './components/Alert.tsx';
import { Button } from './components/Button.tsx';
import { Header } from './components/Header.tsx';
import { PageLoading } from './components/Spinner.tsx';
import { AccountPage, MfaEnrollmentPage } from './pages/AccountPage.tsx';
import { AdminAuditPage } from './pages/AdminAuditPage.tsx';
import { AdminDashboardPage } from './pages/AdminDashboardPage.tsx';
import { AdminHostsPage } from './pages/AdminHostsPage.tsx';
import { AdminIdentityPage } from './pages/AdminIdentityPage.tsx';
import { AdminMachinesPage } from './pages/AdminMachinesPage.tsx';
import { AdminPoolsPage } from './pages/AdminPoolsPage.tsx';
import { AdminSessionsPage } from './pages/AdminSessionsPage.tsx';
import { AdminUsersPage } from './pages/AdminUsersPage.tsx';
import { DesktopsPage } from './pages/DesktopsPage.tsx';
import { HelpdeskPage } from './pages/HelpdeskPage.tsx';
import { LaunchPage } from './pages/LaunchPage.tsx';
import { NotFoundPage } from './pages/NotFoundPage.tsx';
import { PlayerPage } from './pages/PlayerPage.tsx';
import { RecordingsPage } from './pages/RecordingsPage.tsx';
import { ShadowPage } from './pages/ShadowPage.tsx';
import { SignInPage } from './pages/SignInPage.tsx';
import { ViewerPage } from './pages/ViewerPage.tsx';
import { currentPath, navigate, paths, useRoute, type Route } from './modules/router.ts';

// `unchecked`: opened on the sign-in page, so nobody asked yet (a 401 there would only be noise);
// leaving that page without signing in asks then.
type Auth =
  | { status: 'unchecked' }
  | { status: 'loading' }
  | { status: 'signedOut' }
  | { status: 'signedIn'; me: Me }
  | { status: 'unreachable'; message: string };

function goToSignIn(): void {
  if (location.pathname !== '/signin') navigate(paths.signin(currentPath()), { replace: true });
}

function AdminsOnly() {
  return <NotFoundPage title="Administrators only" text="This page needs the admin role." />;
}

function HelpdeskOnly() {
  return <NotFoundPage title="Helpdesk only" text="This page needs the helpdesk or admin role." />;
}

function Page({ route, me, onMe }: { route: Route; me: Me; onMe(me: Me): void }) {
  const admin = isAdmin(me);
  switch (route.name) {
    case 'desktops':
      return <DesktopsPage />;
    case 'account':
      return <AccountPage me={me} onMe={onMe} />;
    case 'launch':
      return <LaunchPage key={route.sessionId} sessionId={route.sessionId} />;
    case 'helpdesk':
      return isHelpdesk(me) ? <HelpdeskPage me={me} /> : <HelpdeskOnly />;
    case 'adminDashboard':
      return admin ? <AdminDashboardPage /> : <AdminsOnly />;
    case 'adminUsers':
      return admin ? <AdminUsersPage me={me} /> : <AdminsOnly />;
    case 'adminSessions':
      return admin ? <AdminSessionsPage /> : <AdminsOnly />;
    case 'adminPools':
      return admin ? <AdminPoolsPage /> : <AdminsOnly />;
    case 'adminHosts':
      return admin ? <AdminHostsPage /> : <AdminsOnly />;
    case 'adminMachines':
      return admin ? <AdminMachinesPage sshHost={route.sshHost} /> : <AdminsOnly />;
    case 'adminAudit':
      return admin ? <AdminAuditPage /> : <AdminsOnly />;
    case 'adminIdentity':
      return admin ? <AdminIdentityPage /> : <AdminsOnly />;
    case 'recordings':
      return isHelpdesk(me) ? <RecordingsPage admin={admin} /> : <HelpdeskOnly />;
    case 'recording':
      return isHelpdesk(me) ? <PlayerPage key={route.recordingId} recordingId={route.recordingId} /> : <HelpdeskOnly />;
    case 'shadow':
      return <HelpdeskOnly />;
    default:
      return <NotFoundPage />;
  }
}

export function App() {
  const route = useRoute();
  const [auth, setAuth] = useState<Auth>(() => ({ status: route.name === 'signin' ? 'unchecked' : 'loading' }));

  const loadMe = (): void => {
    setAuth({ status: 'loading' });
    fetchMe().then(
      (me) => setAuth({ status: 'signedIn', me }),
      (e: unknown) =>
        setAuth(isApiError(e) && e.status === 401 ? { status: 'signedOut' } : { status: 'unreachable', message: errorMessage(e) }),
    );
  };

  useEffect(() => {
    setUnauthorizedHandler(() => {
      setAuth({ status: 'signedOut' });
      goToSignIn();
    });
    if (auth.status === 'loading') loadMe();
  }, []);

  useEffect(() => {
    if (auth.status === 'unchecked' && route.name !== 'signin') loadMe();
    if (auth.status === 'signedOut') goToSignIn();
    if (auth.status === 'signedIn' && route.name === 'signin') navigate(route.next, { replace: true });
  }, [auth.status, route]);

  if (route.name === 'signin') {
    if (auth.status === 'loading') return <PageLoading label="Loading Deskport…" />;
    return <SignInPage onSignedIn={(me) => setAuth({ status: 'signedIn', me })} />;
  }
  if (auth.status === 'unreachable') {
    return (
      <main class="center-screen">
        <Alert title="Deskport cannot be reached" action={<Button onClick={loadMe}>Try again</Button>}>
          {auth.message}
        </Alert>
      </main>
    );
  }
  if (auth.status !== 'signedIn') return <PageLoading label="Loading Deskport…" />;
  // The MFA policy covers this person and they have no second factor yet: enrolment comes before
  // anything else (the gateway refuses desktops and tickets meanwhile, so this is only the UI side).
  const enrolFirst = auth.me.mfaEnrollmentRequired === true;
  if (!enrolFirst && route.name === 'viewer') return <ViewerPage key={route.sessionId} sessionId={route.sessionId} />;
  if (!enrolFirst && route.name === 'shadow' && isHelpdesk(auth.me)) return <ShadowPage key={route.shadowId} shadowId={route.shadowId} />;

  const signOut = async (): Promise<void> => {
    const providerSignOut = await logout().catch(() => null);
    // Signed in through a provider that wants it: sign out there too (it sends the browser back).
    if (providerSignOut) return void location.assign(providerSignOut);
    setAuth({ status: 'signedOut' });
    navigate(paths.signin(), { replace: true });
  };

  return (
    <div class="app">
      <Header me={auth.me} route={route} onSignOut={signOut} />
      <main class="app-main" id="main">
        {enrolFirst ? (
          <MfaEnrollmentPage me={auth.me} onMe={(me) => setAuth({ status: 'signedIn', me })} />
        ) : (
          <Page route={route} me={auth.me} onMe={(me) => setAuth({ status: 'signedIn', me })} />
        )}
      </main>
    </div>
  );
}
