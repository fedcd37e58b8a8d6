// The gateway registry and reconcile claims (migration 016). A claim is one UPDATE ... WHERE the
// stored boot differs, so of several gateways hearing one boot's hellos at once one wins.
import type { GatewayRecord, GatewayStore } from './gateway-types.ts';
import type { Sql } from './sql.ts';

interface Row {
  id: string;
  url: string;
  started_at: number;
  seen_at: number;
}
const fromRow = (r: Row): GatewayRecord => ({ id: r.id, url: r.url, startedAt: Number(r.started_at), seenAt: Number(r.seen_at) });

export function sqlGateways(q: Sql): GatewayStore {
  return {
    async heartbeatGateway(g) {
      await q.run(
        `INSERT INTO gateways (id, url, started_at, seen_at) VALUES (@id, @url, @startedAt, @seenAt)
          ON CONFLICT (id) DO UPDATE SET url = excluded.url, seen_at = excluded.seen_at`,
        { ...g },
      );
    },
    async listGateways(since) {
      return (await q.all<Row>('SELECT * FROM gateways WHERE seen_at >= ? ORDER BY started_at, id', [since])).map(fromRow);
    },
    async deleteGateway(id) {
      await q.run('DELETE FROM gateways WHERE id = ?', [id]);
    },
    deleteStaleGateways: (before) => q.run('DELETE FROM gateways WHERE seen_at < ?', [before]),
    async claimHostReconcile(hostId, bootId) {
      const n = await q.run('UPDATE hosts SET reconciled_boot = ? WHERE id = ? AND (reconciled_boot IS NULL OR reconciled_boot <> ?)', [
        bootId,
        hostId,
        bootId,
      ]);
      return n === 1;
    },
    async forgetHostReconcile(hostId) {
      await q.run('UPDATE hosts SET reconciled_boot = NULL WHERE id = ?', [hostId]);
    },
  };
}
