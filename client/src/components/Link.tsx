// An <a> that navigates inside the app without a page load (and still works with a modifier click).
import type { AnchorHTMLAttributes } from 'preact';
import { navigate } from '../modules/router.ts';

export function Link(props: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const onClick = (ev: MouseEvent): void => {
    if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    ev.preventDefault();
    navigate(props.href);
  };
  return <a {...props} onClick={onClick} />;
}
