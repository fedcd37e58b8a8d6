// Paths and names of file transfer, checked the same way by the gateway (at the HTTP edge) and by
// the agent (at the protocol edge): relative to the desktop's home, '/'-separated, no '..', no
// absolute paths, no control characters, bounded length and depth. Also the "name (1).ext" rule.

/** Longest file or folder name, in UTF-8 bytes (Linux NAME_MAX). */
export const MAX_NAME_BYTES = 255;
/** Deepest folder a transfer may reach below the home. */
export const MAX_PATH_DEPTH = 32;
export const MAX_PATH_BYTES = 4096;
/** Hidden name an upload is written under until the whole file arrived (never listed, never a valid upload name). */
export const UPLOAD_TEMP_PREFIX = '.deskport-upload-';

export type PathCheck = { ok: true; parts: string[] } | { ok: false; reason: string };

// C0 controls, DEL and C1 controls: invisible in a file list, and a terminal may act on them.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const utf8 = new TextEncoder();
const bytes = (s: string): number => utf8.encode(s).length;

/** Why `name` cannot be one component of a path, or null when it can. */
export function nameProblem(name: string): string | null {
  if (name.length === 0) return 'a name is empty';
  if (name === '.' || name === '..') return `"${name}" is not allowed in a path`;
  if (name.includes('/')) return 'a name cannot contain "/"';
  if (CONTROL.test(name)) return 'a name cannot contain control characters';
  if (LONE_SURROGATE.test(name)) return 'a name is not valid Unicode';
  if (bytes(name) > MAX_NAME_BYTES) return `a name is longer than ${MAX_NAME_BYTES} bytes`;
  return null;
}

/** Splits and checks a path relative to the home; '' is the home itself. */
export function checkPath(path: string): PathCheck {
  if (typeof path !== 'string') return { ok: false, reason: 'the path is not text' };
  if (path === '') return { ok: true, parts: [] };
  if (bytes(path) > MAX_PATH_BYTES) return { ok: false, reason: `the path is longer than ${MAX_PATH_BYTES} bytes` };
  if (path.startsWith('/')) return { ok: false, reason: 'the path must be relative to the home, not absolute' };
  if (path.includes('\\')) return { ok: false, reason: 'the path must use "/" between folders' };
  const parts = path.split('/');
  if (parts.length > MAX_PATH_DEPTH) return { ok: false, reason: `the path is deeper than ${MAX_PATH_DEPTH} folders` };
  for (const p of parts) {
    const why = nameProblem(p);
    if (why) return { ok: false, reason: why };
  }
  return { ok: true, parts };
}

/** Why `name` cannot be the name of an uploaded file, or null. */
export function uploadNameProblem(name: string): string | null {
  return nameProblem(name) ?? (name.startsWith(UPLOAD_TEMP_PREFIX) ? 'this name is reserved for uploads in progress' : null);
}

const DOUBLE_EXTENSIONS = ['.tar.gz', '.tar.bz2', '.tar.xz', '.tar.zst'];

/** The n-th alternative of a taken name, as browsers do: "report.pdf" → "report (1).pdf";
 *  ".bashrc" → ".bashrc (1)"; "a.tar.gz" → "a (1).tar.gz". Stays within MAX_NAME_BYTES. */
export function numberedName(name: string, n: number): string {
  if (n === 0) return name;
  const lower = name.toLowerCase();
  const double = DOUBLE_EXTENSIONS.find((e) => lower.endsWith(e) && lower.length > e.length);
  const dot = name.lastIndexOf('.');
  const extLen = double ? double.length : dot > 0 ? name.length - dot : 0;
  let base = name.slice(0, name.length - extLen);
  const ext = name.slice(name.length - extLen);
  const suffix = ` (${n})`;
  while (base.length > 1 && bytes(base + suffix + ext) > MAX_NAME_BYTES) base = [...base].slice(0, -1).join('');
  return base + suffix + ext;
}

/** A file name a browser may save under: no path separators, quotes or controls (Content-Disposition). */
export function asciiFallbackName(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\/;]/g, '_');
  return ascii.trim() || 'download';
}
