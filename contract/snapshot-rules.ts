// The rules of VM disk snapshots both edges check (HTTP: contract/api/snapshots.ts; agent protocol:
// agent-v1-disks.ts). No zod here: the browser imports this, and full zod compiles with eval, which
// the portal's CSP forbids.

/** A snapshot's name: what a person types. It holds a letter: qemu-img takes an all-digit name for a
 *  snapshot's numeric id first, so `snapshot -a 1` could restore another snapshot than the one named "1". */
export const SNAPSHOT_NAME = /^(?=[^A-Za-z]*[A-Za-z])[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;
/** Snapshots one disk may hold: each keeps the blocks it covers, so the disk grows with every one. */
export const MAX_SNAPSHOTS = 10;
