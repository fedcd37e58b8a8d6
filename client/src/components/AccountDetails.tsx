// Who the person is signed in as: username, display name, roles and groups (GET /api/v1/me).
import type { Me } from '../api/types.ts';
import { Badge } from './Badge.tsx';

const ROLE_LABEL: Record<string, string> = { user: 'User', helpdesk: 'Helpdesk', admin: 'Admin' };

function Names({ items, label, none }: { items: string[]; label: (item: string) => string; none: string }) {
  if (items.length === 0) return <span class="muted">{none}</span>;
  return (
    <span class="badges">
      {items.map((item) => (
        <Badge key={item}>{label(item)}</Badge>
      ))}
    </span>
  );
}

export function AccountDetails({ me }: { me: Me }) {
  return (
    <section class="card stack" aria-labelledby="account-details-title" data-testid="account-details">
      <h2 id="account-details-title" class="card__title">
        Your details
      </h2>
      <dl class="details-list">
        <dt>Username</dt>
        <dd data-testid="account-username">{me.username}</dd>
        <dt>Display name</dt>
        <dd data-testid="account-display-name">{me.displayName}</dd>
        <dt>Roles</dt>
        <dd data-testid="account-roles">
          <Names items={me.roles} label={(r) => ROLE_LABEL[r] ?? r} none="None" />
        </dd>
        <dt>Groups</dt>
        <dd data-testid="account-groups">
          <Names items={me.groups} label={(g) => g} none="None" />
        </dd>
      </dl>
      <p class="muted small">Your administrator manages these. Ask them if something here is wrong.</p>
    </section>
  );
}
