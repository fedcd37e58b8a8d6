// Existing machines an agent may dial for the gateway (stream.connect): only addresses inside the
// agent's allowed networks, checked after name resolution so a name cannot point the agent
// elsewhere. The default is the private and loopback ranges; cloud metadata (link-local) and public
// addresses need an explicit `--targets`.
import { lookup } from 'node:dns/promises';
import { BlockList, connect, isIP, type Socket } from 'node:net';

export const DEFAULT_TARGET_NETWORKS = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.0/8', '::1/128', 'fc00::/7'];

export interface TargetPolicy {
  /** The networks as given, for messages. */
  networks: string[];
  allows(address: string): boolean;
}

/** CIDRs ("10.0.0.0/8", "::1/128", or a bare address) → a policy; throws on a malformed entry. */
export function targetPolicy(networks: string[] = DEFAULT_TARGET_NETWORKS): TargetPolicy {
  const list = new BlockList();
  for (const n of networks) {
    const [addr = '', bits] = n.trim().split('/');
    const family = isIP(addr);
    if (!family) throw new Error(`not a network: ${JSON.stringify(n)} (want an address or CIDR such as 10.0.0.0/8)`);
    const type = family === 6 ? 'ipv6' : 'ipv4';
    const prefix = bits === undefined ? (family === 6 ? 128 : 32) : Number(bits);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 6 ? 128 : 32))
      throw new Error(`bad prefix length in ${JSON.stringify(n)}`);
    list.addSubnet(addr, prefix, type);
  }
  return {
    networks,
    allows: (address) => {
      const family = isIP(address);
      return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
    },
  };
}

const coded = (message: string, code: string) => Object.assign(new Error(message), { code });

/** A connected TCP socket to `address:port`, or an error with code target_not_allowed / target_unreachable. */
export async function dialTarget(target: { address: string; port: number }, policy: TargetPolicy, timeoutMs = 10_000): Promise<Socket> {
  let ips: string[];
  try {
    ips = isIP(target.address) ? [target.address] : (await lookup(target.address, { all: true })).map((a) => a.address);
  } catch {
    throw coded(`cannot resolve ${target.address} from this agent's host`, 'target_unreachable');
  }
  const denied = ips.find((ip) => !policy.allows(ip));
  if (denied !== undefined || ips.length === 0)
    throw coded(
      `${target.address} (${denied ?? 'no address'}) is outside this agent's allowed networks (${policy.networks.join(', ')})`,
      'target_not_allowed',
    );
  const ip = ips[0] as string;
  return await new Promise<Socket>((resolve, reject) => {
    const s = connect({ host: ip, port: target.port });
    const timer = setTimeout(() => {
      s.destroy();
      reject(coded(`${target.address}:${target.port} did not answer within ${timeoutMs} ms`, 'target_unreachable'));
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      s.setNoDelay(true);
      resolve(s);
    });
    s.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(coded(`${target.address}:${target.port} refused or unreachable (${err.code ?? err.message})`, 'target_unreachable'));
    });
  });
}
