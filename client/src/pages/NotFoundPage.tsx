// Unknown addresses and pages the person may not open.
import { EmptyState } from '../components/EmptyState.tsx';
import { Link } from '../components/Link.tsx';
import { paths } from '../modules/router.ts';

export function NotFoundPage({
  title = 'Page not found',
  text = 'This address does not lead anywhere in Deskport.',
}: {
  title?: string;
  text?: string;
}) {
  return (
    <div class="stack stack--center">
      <EmptyState title={title} icon="?">
        {text}
      </EmptyState>
      <Link href={paths.desktops()} class="btn btn--primary btn--md">
        Go to My desktops
      </Link>
    </div>
  );
}
