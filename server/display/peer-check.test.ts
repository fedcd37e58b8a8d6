import { describe, expect, it } from 'vitest';
import { socketInode } from './peer-check.ts';

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:B64F 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2168937 1 00000000da4c6b28 100 0 0 10 0
   1: 0100007F:D2A4 0100007F:9C41 01 00000000:00000000 00:00000000 00000000     0        0 2181001 1 0000000000000000 20 4 30 10 -1
   2: 0100007F:9C41 0100007F:D2A4 01 00000000:00000000 00:00000000 00000000     0        0 2181002 1 0000000000000000 20 4 30 10 -1
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0000000000000000FFFF00000100007F:D2A5 0000000000000000FFFF00000100007F:9C41 01 00000000:00000000 00:00000000 00000000     0        0 2181100 1 0000000000000000 20 4 30 10 -1
`;

describe('/proc/net/tcp parsing for the forward peer check', () => {
  // 0xD2A4 = 53924 (the peer's port), 0x9C41 = 40001 (the forward's).
  it('finds the peer side of a connection by its ports, not the side we accepted', () => {
    expect(socketInode(TCP, 53924, 40001)).toBe(2181001);
    expect(socketInode(TCP, 40001, 53924)).toBe(2181002);
  });

  it('reads tcp6 rows (IPv4-mapped loopback) too', () => {
    expect(socketInode(TCP6, 0xd2a5, 40001)).toBe(2181100);
  });

  it('null when there is no such connection, or for a header or garbage line', () => {
    expect(socketInode(TCP, 1, 2)).toBeNull();
    expect(socketInode('garbage\nmore garbage', 1, 2)).toBeNull();
  });
});
