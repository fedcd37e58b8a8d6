// The top bar on every page except the viewers (desktop and shadow): product name, navigation, who is signed in (a link to
// their Account page: details and "Change password"), Sign out.
import { useState } from 'preact/hooks';
import { isAdmin, isHelpdesk } from '../api/auth.ts';
import type { Me } from '../api/types.ts';
import { paths, type Route } from '../modules/router.ts';
import { Button } from './Button.tsx';
import { Link } from './Link.tsx';
import { Logo } from './Logo.tsx';

interface Props {
  me: Me;
  route: Route;
  onSignOut(): Promise<void>;
}

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? (parts[0]?.[0] ?? '') + (parts[parts.length - 1]?.[0] ?? '') : name.slice(0, 2);
  return letters.toUpperCase();
}

function NavLink({ href, active, label }: { href: string; active: boolean; label: string }) {
  return (
    <Link href={href} class={active ? 'nav-link is-active' : 'nav-link'} aria-current={active ? 'page' : undefined}>
      {label}
    </Link>
  );
}

export function Header({ me, route, onSignOut }: Props) {
  const [busy, setBusy] = useState(false);
  const signOut = async (): Promise<void> => {
    setBusy(true);
    await onSignOut();
  };
  return (
    <header class="app-header">
      <div class="app-header__inner">
        <Link href={paths.desktops()} class="brand" aria-label="Deskport home">
          <Logo />
          <span class="brand__name">Deskport</span>
        </Link>
        <nav class="main-nav" aria-label="Main">
          <NavLink href={paths.desktops()} active={route.name === 'desktops' || route.name === 'launch'} label="My desktops" />
          {isHelpdesk(me) && <NavLink href={paths.helpdesk()} active={route.name === 'helpdesk'} label="Helpdesk" />}
          {isHelpdesk(me) && (
            <NavLink href={paths.recordings()} active={route.name === 'recordings' || route.name === 'recording'} label="Recordings" />
          )}
          {isAdmin(me) && (
            <>
              <span class="main-nav__sep" aria-hidden="true" />
              <NavLink href={paths.adminDashboard()} active={route.name === 'adminDashboard'} label="Dashboard" />
              <NavLink href={paths.adminUsers()} active={route.name === 'adminUsers'} label="Users" />
              <NavLink href={paths.adminIdentity()} active={route.name === 'adminIdentity'} label="Sign-in" />
              <NavLink href={paths.adminSessions()} active={route.name === 'adminSessions'} label="Live sessions" />
              <NavLink href={paths.adminPools()} active={route.name === 'adminPools'} label="Pools" />
              <NavLink href={paths.adminMachines()} active={route.name === 'adminMachines'} label="Machines" />
              <NavLink href={paths.adminHosts()} active={route.name === 'adminHosts'} label="Hosts" />
              <NavLink href={paths.adminAudit()} active={route.name === 'adminAudit'} label="Audit log" />
            </>
          )}
        </nav>
        <div class="user-menu">
          <Link
            href={paths.account()}
            class={route.name === 'account' ? 'user-menu__account is-active' : 'user-menu__account'}
            aria-current={route.name === 'account' ? 'page' : undefined}
            title={`${me.displayName} (${me.username}): account and password`}
            data-testid="account-link"
          >
            <span class="visually-hidden">Account: </span>
            <span class="avatar" aria-hidden="true">
              {initials(me.displayName)}
            </span>
            <span class="user-menu__who" data-testid="current-user">
              <span class="user-menu__name">{me.displayName}</span>
              <span class="user-menu__username">{me.username}</span>
            </span>
          </Link>
          <Button variant="ghost" size="sm" busy={busy} onClick={() => void signOut()}>
            Sign out
          </Button>
        </div>
      </div>
    </header>
  );
}
