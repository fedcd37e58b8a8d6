// Where guacd is: DESKPORT_GUACD_BIN, then <root>/current/sbin/guacd (infra/guacd.sh's prefix;
// root is DESKPORT_GUACD_ROOT or ~/.cache/deskport/guacd), then `guacd` on PATH. The caller
// (server/config.ts) reads the environment; this only looks at files.
import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface GuacdSearch {
  /** An explicit binary (DESKPORT_GUACD_BIN): used as is, and an error if it is not executable. */
  bin?: string | undefined;
  /** infra/guacd.sh's root of prefixes. */
  root?: string | undefined;
  /** Directories of PATH. */
  path: readonly string[];
}

export type Located = { found: true; bin: string; libDir: string | null } | { found: false; why: string | null };

const executable = (f: string): boolean => {
  try {
    accessSync(f, constants.X_OK);
    return statSync(f).isFile();
  } catch {
    return false;
  }
};

/**
 * guacd loads its protocol plugins (libguac-client-rdp.so) with dlopen from libguac, which carries
 * no run path: a guacd installed under its own prefix only finds them through LD_LIBRARY_PATH.
 */
function pluginDir(bin: string): string | null {
  const lib = join(dirname(dirname(bin)), 'lib');
  try {
    return existsSync(lib) && readdirSync(lib).some((f) => f.startsWith('libguac-client-')) ? lib : null;
  } catch {
    return null;
  }
}

export function locateGuacd(s: GuacdSearch): Located {
  if (s.bin) {
    return executable(s.bin)
      ? { found: true, bin: s.bin, libDir: pluginDir(s.bin) }
      : { found: false, why: `DESKPORT_GUACD_BIN=${s.bin} is not an executable file` };
  }
  const candidates = [
    ...(s.root ? [join(s.root, 'current', 'sbin', 'guacd')] : []),
    ...s.path.filter(Boolean).map((d) => join(d, 'guacd')),
  ];
  for (const c of candidates) if (executable(c)) return { found: true, bin: c, libDir: pluginDir(c) };
  return { found: false, why: null };
}
