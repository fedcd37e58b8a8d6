// The `.dprec` VNC recording format's numbers and shapes (docs/recording-format.md), shared by the
// gateway's writer and reader (server/recording/) and the browser's player (client/src/modules/recording/),
// so both sides agree on every cap and record type by construction.

/** The first six bytes of every part file (ASCII). */
export const DPREC_MAGIC = 'DPREC1';
export const FORMAT_VERSION = 1;
export const MAX_HEADER_BYTES = 65_536;
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;
/** type u8 + t u32 + length u32 */
export const RECORD_HEAD_BYTES = 9;

export const RecordType = { Segment: 1, Data: 2, End: 3 } as const;
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

/** A part file's JSON header. */
export interface DprecHeader {
  version: number;
  kind: 'rfb';
  recordingId: string;
  sessionId: string;
  part: number;
  startedAt: number;
  pixelFormat: string;
}

/** A segment record's payload: the desktop's ServerInit of a fresh connection. */
export interface SegmentInfo {
  width: number;
  height: number;
  name: string;
}
