// LDAP search filters and DNs (RFC 4515, RFC 4514): the templates an admin configures, the values
// a sign-in puts into them, and the name of a group from its DN.
import { FilterParser } from 'ldapts';

const PLACEHOLDER = /\{\{(username|dn)\}\}/g;

/** A template is one parenthesised filter using only the `allowed` placeholders. */
export function isFilterTemplate(template: string, allowed: string[]): boolean {
  const used = [...template.matchAll(/\{\{([^}]*)\}\}/g)].map((m) => m[1]!);
  if (used.some((p) => !allowed.includes(p))) return false;
  try {
    FilterParser.parseString(fillFilter(template, { username: 'x', dn: 'cn=x' }));
    return template.startsWith('(') && template.endsWith(')');
  } catch {
    return false;
  }
}

/** RFC 4515 assertion-value escaping: the characters that would change a filter's meaning. */
export function escapeFilterValue(value: string): string {
  return value.replace(/[\\*()\0]/g, (ch) => `\\${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Puts escaped values into a filter template's {{username}} and {{dn}} placeholders. */
export function fillFilter(template: string, values: { username: string; dn?: string }): string {
  return template.replace(PLACEHOLDER, (_, key: 'username' | 'dn') => escapeFilterValue(values[key] ?? ''));
}

/** The value of a DN's first RDN ("CN=Desk Admins,OU=Groups,..." → "Desk Admins"), unescaped (RFC 4514). */
export function firstRdnValue(distinguishedName: string): string {
  const eq = distinguishedName.indexOf('=');
  if (eq < 0) return '';
  const bytes: number[] = [];
  for (let i = eq + 1; i < distinguishedName.length; i++) {
    const ch = distinguishedName[i]!;
    if (ch === ',' || ch === '+') break;
    if (ch === '\\' && i + 1 < distinguishedName.length) {
      const hex = distinguishedName.slice(i + 1, i + 3);
      if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        bytes.push(parseInt(hex, 16));
        i += 2;
      } else bytes.push(...Buffer.from(distinguishedName[++i]!));
    } else bytes.push(...Buffer.from(ch));
  }
  return Buffer.from(bytes).toString('utf8').trim();
}
