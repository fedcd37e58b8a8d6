// What covers the shadow viewer while there is nothing to show: waiting for the owner's answer,
// denied, ended, or no such request. Each has a way back to the helpdesk console.
import type { ComponentChildren } from 'preact';
import { paths } from '../../modules/router.ts';
import { Button } from '../Button.tsx';
import { Link } from '../Link.tsx';
import { Spinner } from '../Spinner.tsx';

export type ShadowStatusKind = 'loading' | 'pending' | 'denied' | 'ended' | 'not-found';

interface Props {
  kind: ShadowStatusKind;
  /** The desktop's owner, e.g. "Ada Lovelace". */
  owner: string;
  mode: 'view' | 'control';
  /** Why, when the page knows (a failed load, the denied note). */
  note?: string;
  /** While pending: withdraws the request. */
  onCancel?(): void;
  cancelling?: boolean;
}

function Back({ primary = true }: { primary?: boolean }) {
  return (
    <Link href={paths.helpdesk()} class={`btn btn--md ${primary ? 'btn--primary' : 'btn--on-dark'}`} data-testid="shadow-back">
      {primary ? 'Back to the helpdesk console' : 'Helpdesk console'}
    </Link>
  );
}

function Panel({ kind, title, children }: { kind: ShadowStatusKind; title: string; children?: ComponentChildren }) {
  return (
    <div class="viewer-overlay" data-testid="shadow-status" data-kind={kind}>
      <div class="viewer-overlay__panel" role={kind === 'pending' || kind === 'loading' ? 'status' : 'alert'} aria-live="polite">
        <h1 class="viewer-overlay__title">{title}</h1>
        {children}
      </div>
    </div>
  );
}

export function ShadowStatus({ kind, owner, mode, note, onCancel, cancelling = false }: Props) {
  switch (kind) {
    case 'loading':
      return (
        <Panel kind="loading" title="Opening the shadow session…">
          <Spinner size={20} label="Loading" light />
        </Panel>
      );
    case 'pending':
      return (
        <Panel kind="pending" title={`Waiting for ${owner} to allow…`}>
          <div class="viewer-overlay__row">
            <Spinner size={18} label="Waiting" light />
            <span>
              They see your request to {mode === 'control' ? 'see and control' : 'see'} their desktop, with your reason. This page opens the
              desktop as soon as they allow it.
            </span>
          </div>
          <div class="viewer-overlay__actions">
            {onCancel && (
              <Button variant="on-dark" busy={cancelling} onClick={onCancel}>
                Cancel request
              </Button>
            )}
            <Back primary={false} />
          </div>
        </Panel>
      );
    case 'denied':
      return (
        <Panel kind="denied" title="Denied">
          <p>{note ?? `${owner} did not allow it. Contact them another way if you still need to look.`}</p>
          <div class="viewer-overlay__actions">
            <Back />
          </div>
        </Panel>
      );
    case 'ended':
      return (
        <Panel kind="ended" title="The shadow session ended">
          <p>{note ?? `${owner} stopped sharing, or the session was ended. Ask again from the console if you still need to look.`}</p>
          <div class="viewer-overlay__actions">
            <Back />
          </div>
        </Panel>
      );
    case 'not-found':
      return (
        <Panel kind="not-found" title="No such shadow session">
          <p>{note ?? 'The link is wrong, or it was someone else’s request.'}</p>
          <div class="viewer-overlay__actions">
            <Back />
          </div>
        </Panel>
      );
  }
}
