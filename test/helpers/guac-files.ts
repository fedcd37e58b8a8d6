// Files through a guacd filesystem object (RDP drive, SSH SFTP) the way guacamole-common-js moves
// them, for tests with the Node GuacClient: put + one blob per ack, and get + body + acknowledged blobs.
import { encodeInstruction as enc, type Instruction } from '../../server/guac/instructions.ts';
import type { GuacClient } from './guac-client.ts';

/** The next instruction matching `test`, waiting for it. */
export function nextInstruction(c: GuacClient, what: string, test: (i: Instruction) => boolean): Promise<Instruction> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), 15_000);
    const l = (i: Instruction) => {
      if (!test(i)) return;
      clearTimeout(timer);
      c.listeners.splice(c.listeners.indexOf(l), 1);
      resolve(i);
    };
    c.listeners.push(l);
  });
}

const ackOf = (c: GuacClient, stream: string) =>
  nextInstruction(c, `ack of stream ${stream}`, (i) => i.opcode === 'ack' && i.args[0] === stream);

/** put, then one blob per ack (at most 6048 bytes, as its writers chunk), then end; stops at the first refusing ack. */
export async function guacUpload(c: GuacClient, fs: string, stream: string, path: string, data: Buffer): Promise<Instruction[]> {
  const acks: Instruction[] = [];
  let ack = ackOf(c, stream);
  c.send(enc('put', fs, stream, 'application/octet-stream', path));
  acks.push(await ack);
  for (let off = 0; off < data.length && acks.at(-1)!.args[2] === '0'; off += 6048) {
    ack = ackOf(c, stream);
    c.send(enc('blob', stream, data.subarray(off, off + 6048).toString('base64')));
    acks.push(await ack);
  }
  if (acks.at(-1)!.args[2] === '0') c.send(enc('end', stream));
  return acks;
}

/** get → body → blobs (each acknowledged) → end: the file's bytes. */
export async function guacDownload(c: GuacClient, fs: string, path: string): Promise<Buffer> {
  const body = nextInstruction(c, 'a body', (i) => i.opcode === 'body' && i.args[0] === fs);
  c.send(enc('get', fs, path));
  const stream = (await body).args[1]!;
  const parts: Buffer[] = [];
  const done = new Promise<void>((resolve) => {
    c.listeners.push((i) => {
      if (i.args[0] !== stream) return;
      if (i.opcode === 'blob') {
        parts.push(Buffer.from(i.args[1]!, 'base64'));
        c.send(enc('ack', stream, 'OK', '0'));
      } else if (i.opcode === 'end') resolve();
    });
  });
  c.send(enc('ack', stream, 'OK', '0'));
  await done;
  return Buffer.concat(parts);
}
