// SQLite store: existing machines and each person's credentials for them (sealed values only;
// server/vault.ts seals). Lookups are by primary key or index: a person's credentials by
// (machine_id, user_id), their live session on a machine by sessions_user_machine_state.
import type { Database } from 'better-sqlite3';
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
import { sessionFromRow, type SessionRow } from './rows.ts';
import { signInSecretAad } from './sign-in-secret-types.ts';
import { insertSql, patcher, sqlList, translate, updateSql } from './sqlite-db.ts';
import { LIVE_SESSION_STATES } from './types.ts';

const FIELDS: [SecretField, 'password_sealed' | 'private_key_sealed'][] = [
  ['password', 'password_sealed'],
  ['privateKey', 'private_key_sealed'],
];

export function sqliteMachines(db: Database): MachineStore {
  const machine = {
    insert: db.prepare<MachineRow, MachineRow>(insertSql('machines', MACHINE_COLUMNS)),
    byId: db.prepare<[string], MachineRow>('SELECT * FROM machines WHERE id = ?'),
    all: db.prepare<[], MachineRow>('SELECT * FROM machines ORDER BY name, id'),
    update: db.prepare<MachineRow, MachineRow>(updateSql('machines', MACHINE_COLUMNS)),
    delete: db.prepare<[string]>('DELETE FROM machines WHERE id = ?'),
  };
  const cred = {
    upsert: db.prepare<MachineCredentialRow>(
      `${insertSql('machine_credentials', MACHINE_CREDENTIAL_COLUMNS).replace(/ RETURNING \*$/, '')}
       ON CONFLICT (machine_id, user_id) DO UPDATE SET username = excluded.username, password_sealed = excluded.password_sealed,
       private_key_sealed = excluded.private_key_sealed, updated_at = excluded.updated_at`,
    ),
    get: db.prepare<[string, string], MachineCredentialRow>('SELECT * FROM machine_credentials WHERE machine_id = ? AND user_id = ?'),
    delete: db.prepare<[string, string]>('DELETE FROM machine_credentials WHERE machine_id = ? AND user_id = ?'),
    ofMachine: db.prepare<[string]>('DELETE FROM machine_credentials WHERE machine_id = ?'),
    ofUser: db.prepare<[string], { machine_id: string }>('SELECT machine_id FROM machine_credentials WHERE user_id = ?'),
  };
  const live = db.prepare<[string, string], SessionRow>(`SELECT * FROM sessions
    WHERE user_id = ? AND machine_id = ? AND state IN ${sqlList(LIVE_SESSION_STATES)} ORDER BY created_at DESC, rowid DESC LIMIT 1`);
  const patch = patcher(db, machine.byId, machine.update, machineToRow, machineFromRow);

  const sealedMachines = db.prepare<[], Pick<MachineRow, 'id' | 'password_sealed' | 'private_key_sealed'>>(
    'SELECT id, password_sealed, private_key_sealed FROM machines WHERE password_sealed IS NOT NULL OR private_key_sealed IS NOT NULL',
  );
  const sealedCreds = db.prepare<[], Pick<MachineCredentialRow, 'machine_id' | 'user_id' | 'password_sealed' | 'private_key_sealed'>>(
    `SELECT machine_id, user_id, password_sealed, private_key_sealed FROM machine_credentials
     WHERE password_sealed IS NOT NULL OR private_key_sealed IS NOT NULL`,
  );
  const setMachine = db.prepare<{ id: string; p: string | null; k: string | null }>(
    'UPDATE machines SET password_sealed = @p, private_key_sealed = @k WHERE id = @id',
  );
  const setCred = db.prepare<{ m: string; u: string; p: string | null; k: string | null }>(
    'UPDATE machine_credentials SET password_sealed = @p, private_key_sealed = @k WHERE machine_id = @m AND user_id = @u',
  );
  // Kept sign-in passwords (server/store/sign-in-secret-types.ts) are vault values too.
  const sealedSignIns = db.prepare<[], { id: string; p: string }>(
    'SELECT web_session_id AS id, password_sealed AS p FROM web_session_secrets',
  );
  const setSignIn = db.prepare<[string, string]>('UPDATE web_session_secrets SET password_sealed = ? WHERE web_session_id = ?');
  const rewrite = db.transaction((reseal: (sealed: string, aad: string) => string): number => {
    let n = 0;
    const one = (v: string | null, aad: string) => (v === null ? null : (n++, reseal(v, aad)));
    for (const r of sealedMachines.all()) {
      const [p, k] = FIELDS.map(([f, col]) => one(r[col], machineAad(r.id, f)));
      setMachine.run({ id: r.id, p: p ?? null, k: k ?? null });
    }
    for (const r of sealedCreds.all()) {
      const [p, k] = FIELDS.map(([f, col]) => one(r[col], credentialAad(r.machine_id, r.user_id, f)));
      setCred.run({ m: r.machine_id, u: r.user_id, p: p ?? null, k: k ?? null });
    }
    for (const r of sealedSignIns.all()) setSignIn.run(one(r.p, signInSecretAad(r.id))!, r.id);
    return n;
  });

  return {
    async createMachine(m) {
      return machineFromRow(translate(() => machine.insert.get(machineToRow(m)))!);
    },
    async getMachine(id) {
      const row = machine.byId.get(id);
      return row ? machineFromRow(row) : null;
    },
    async listMachines() {
      return machine.all.all().map(machineFromRow);
    },
    async updateMachine(id, p) {
      return patch(id, p);
    },
    async deleteMachine(id) {
      return machine.delete.run(id).changes > 0;
    },
    async putMachineCredential(c) {
      translate(() => cred.upsert.run(machineCredentialToRow(c)));
    },
    async getMachineCredential(machineId, userId) {
      const row = cred.get.get(machineId, userId);
      return row ? machineCredentialFromRow(row) : null;
    },
    async deleteMachineCredential(machineId, userId) {
      return cred.delete.run(machineId, userId).changes > 0;
    },
    async deleteCredentialsOfMachine(machineId) {
      return cred.ofMachine.run(machineId).changes;
    },
    async listCredentialMachineIds(userId) {
      return cred.ofUser.all(userId).map((r) => r.machine_id);
    },
    async findLiveMachineSession(userId, machineId) {
      const row = live.get(userId, machineId);
      return row ? sessionFromRow(row) : null;
    },
    async rewriteSecrets(reseal) {
      return rewrite.immediate(reseal);
    },
  };
}
