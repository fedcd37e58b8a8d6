// Existing machines and each person's credentials for them (sealed values only;
// server/vault.ts seals). Lookups are by primary key or index: a person's credentials by
// (machine_id, user_id), their live session on a machine by sessions_user_machine_state.
import { credentialAad, machineAad, type MachineStore, type SecretField } from './machine-types.ts';
import {
  MACHINE_COLUMNS,
  MACHINE_CREDENTIAL_COLUMNS,
  machineCredentialFromRow,
  machineCredentialToRow,
  machineFromRow,
  machineToRow,
  type MachineCredentialRow,
  type MachineRow,
} from './rows-machines.ts';
import { sessionFromRow } from './rows.ts';
import { signInSecretAad } from './sign-in-secret-types.ts';
import { insertSql, many, one, patcher, sqlList, type Sql } from './sql.ts';
import { LIVE_SESSION_STATES } from './types.ts';

const FIELDS: [SecretField, 'password_sealed' | 'private_key_sealed'][] = [
  ['password', 'password_sealed'],
  ['privateKey', 'private_key_sealed'],
];

export function sqlMachines(q: Sql): MachineStore {
  const machine = {
    insert: insertSql('machines', MACHINE_COLUMNS),
    byId: 'SELECT * FROM machines WHERE id = ?',
    all: 'SELECT * FROM machines ORDER BY name, id',
    delete: 'DELETE FROM machines WHERE id = ?',
  };
  const cred = {
    upsert: `${insertSql('machine_credentials', MACHINE_CREDENTIAL_COLUMNS).replace(/ RETURNING \*$/, '')}
       ON CONFLICT (machine_id, user_id) DO UPDATE SET username = excluded.username, password_sealed = excluded.password_sealed,
       private_key_sealed = excluded.private_key_sealed, updated_at = excluded.updated_at`,
    get: 'SELECT * FROM machine_credentials WHERE machine_id = ? AND user_id = ?',
    delete: 'DELETE FROM machine_credentials WHERE machine_id = ? AND user_id = ?',
    ofMachine: 'DELETE FROM machine_credentials WHERE machine_id = ?',
    ofUser: 'SELECT machine_id FROM machine_credentials WHERE user_id = ?',
  };
  const live = `SELECT * FROM sessions
    WHERE user_id = ? AND machine_id = ? AND state IN ${sqlList(LIVE_SESSION_STATES)} ORDER BY created_at DESC, rowid DESC LIMIT 1`;
  const patch = patcher(q, 'machines', MACHINE_COLUMNS, machineToRow, machineFromRow);

  const sealed = {
    machines: `SELECT id, password_sealed, private_key_sealed FROM machines
      WHERE password_sealed IS NOT NULL OR private_key_sealed IS NOT NULL${q.dialect.forUpdate}`,
    creds: `SELECT machine_id, user_id, password_sealed, private_key_sealed FROM machine_credentials
      WHERE password_sealed IS NOT NULL OR private_key_sealed IS NOT NULL${q.dialect.forUpdate}`,
    setMachine: 'UPDATE machines SET password_sealed = @p, private_key_sealed = @k WHERE id = @id',
    setCred: 'UPDATE machine_credentials SET password_sealed = @p, private_key_sealed = @k WHERE machine_id = @m AND user_id = @u',
    // Kept sign-in passwords (server/store/sign-in-secret-types.ts) are vault values too.
    signIns: `SELECT web_session_id AS id, password_sealed AS p FROM web_session_secrets${q.dialect.forUpdate}`,
    setSignIn: 'UPDATE web_session_secrets SET password_sealed = ? WHERE web_session_id = ?',
  };
  type Sealed = Pick<MachineCredentialRow, 'password_sealed' | 'private_key_sealed'>;

  return {
    async createMachine(m) {
      return machineFromRow((await q.get<MachineRow>(machine.insert, machineToRow(m)))!);
    },
    getMachine: (id) => one(q, machine.byId, [id], machineFromRow),
    listMachines: () => many(q, machine.all, [], machineFromRow),
    updateMachine: (id, p) => patch(id, p),
    async deleteMachine(id) {
      return (await q.run(machine.delete, [id])) > 0;
    },
    async putMachineCredential(c) {
      await q.run(cred.upsert, machineCredentialToRow(c));
    },
    getMachineCredential: (machineId, userId) => one(q, cred.get, [machineId, userId], machineCredentialFromRow),
    async deleteMachineCredential(machineId, userId) {
      return (await q.run(cred.delete, [machineId, userId])) > 0;
    },
    deleteCredentialsOfMachine: (machineId) => q.run(cred.ofMachine, [machineId]),
    async listCredentialMachineIds(userId) {
      return (await q.all<{ machine_id: string }>(cred.ofUser, [userId])).map((r) => r.machine_id);
    },
    findLiveMachineSession: (userId, machineId) => one(q, live, [userId, machineId], sessionFromRow),
    rewriteSecrets: (reseal) =>
      q.tx(async (t) => {
        // No new secret lands half-way through the rewrite (gateways should still be stopped: one running
        // with the old key seals new secrets with it after the rotation, as the command's help says).
        const lock = q.dialect.lockTables(['machines', 'machine_credentials', 'web_session_secrets']);
        if (lock) await t.run(lock);
        let n = 0;
        const fresh = (v: string | null, aad: string) => (v === null ? null : (n++, reseal(v, aad)));
        for (const r of await t.all<Sealed & { id: string }>(sealed.machines)) {
          const [p, k] = FIELDS.map(([f, col]) => fresh(r[col], machineAad(r.id, f)));
          await t.run(sealed.setMachine, { id: r.id, p: p ?? null, k: k ?? null });
        }
        for (const r of await t.all<Sealed & { machine_id: string; user_id: string }>(sealed.creds)) {
          const [p, k] = FIELDS.map(([f, col]) => fresh(r[col], credentialAad(r.machine_id, r.user_id, f)));
          await t.run(sealed.setCred, { m: r.machine_id, u: r.user_id, p: p ?? null, k: k ?? null });
        }
        for (const r of await t.all<{ id: string; p: string }>(sealed.signIns)) {
          await t.run(sealed.setSignIn, [fresh(r.p, signInSecretAad(r.id))!, r.id]);
        }
        return n;
      }),
  };
}
