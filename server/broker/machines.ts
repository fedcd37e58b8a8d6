// Existing machines: the admin registry (secrets sealed by the vault, write-only, audited without
// them), each person's own credentials, who may connect (groups, credentials, a host that can dial
// it), and what a display needs to reach one (machineConnection). Launch and end of machine
// sessions are the broker's (broker.ts); this module decides and resolves.
import type { WebSocket } from 'ws';
import type { MachineView, UserMachine } from '../../contract/api/machines.ts';
import type { AccessChanges } from '../auth/deps.ts';
import type { Audit } from '../audit.ts';
import type { Clock } from '../clock.ts';
import { conflict, notFound, unavailable } from '../errors.ts';
import type { GuacdStatus } from '../guacd/guacd.ts';
import type { Logger } from '../log.ts';
import { credentialAad, machineAad, type Machine, type MachineCredential } from '../store/machine-types.ts';
import { ALL_ROWS, type Session, type Store, type User } from '../store/types.ts';
import type { Vault } from '../vault.ts';
import { entitled } from './entitlement.ts';
import { pickDialer, unavailableReason } from './machine-hosts.ts';
import { checkFields, mergeMachine, type MachineInput } from './machine-fields.ts';
import { isStoreConflict } from '../store/errors.ts';
import { PASSTHROUGH_REFUSAL, signInLogin } from '../auth/sign-in-secrets.ts';
import { newId } from '../util/random.ts';

export interface MachinesDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  audit: Audit;
  vault: Vault;
  isConnected(hostId: string): boolean;
  /** guacd's status (server/guacd/guacd.ts), or null while the gateway has no guacd hook. */
  guacd?: () => GuacdStatus | null;
  /** Ends a session now (Broker.end), bound late: the broker is built after this service. */
  endSession(sessionId: string, actor: By, reason: string, message?: string): Promise<unknown>;
  access?: AccessChanges;
  /** Opens a stream through an agent to a target it may dial (AgentHub.connectTarget). */
  dial?(hostId: string, target: { address: string; port: number }): Promise<WebSocket>;
}

/** What a display needs to reach a machine session: which agent dials, where, and guacd's parameters (strings). */
export interface MachineConnection {
  hostId: string;
  target: { address: string; port: number };
  protocol: Machine['protocol'];
  settings: Record<string, string>;
}

/** Who acts, for the audit trail. */
export interface By {
  username: string;
  ip: string | null;
}

const iso = (t: number) => new Date(t).toISOString();
const LIVE: Session['state'][] = ['starting', 'ready', 'lost'];

export function createMachines(deps: MachinesDeps) {
  const { store, vault } = deps;
  const guacd = () => deps.guacd?.() ?? null;
  const record = (by: By, action: string, target: string, details: Record<string, unknown>) =>
    deps.audit.record({ actor: by.username, action, target, result: 'ok', ip: by.ip, details });

  async function machineOr404(id: string): Promise<Machine> {
    const m = await store.getMachine(id);
    if (!m) throw notFound('machine');
    return m;
  }

  function adminView(m: Machine, why: string | undefined): MachineView {
    return {
      id: m.id,
      name: m.name,
      description: m.description,
      protocol: m.protocol,
      address: m.address,
      port: m.port,
      hostId: m.hostId,
      hostLabel: m.hostLabel,
      security: m.security,
      ignoreCert: m.ignoreCert,
      domain: m.domain,
      credentialMode: m.credentialMode,
      username: m.username,
      passwordSet: m.passwordSealed !== null,
      privateKeySet: m.privateKeySealed !== null,
      groups: m.groups,
      policy: m.policy,
      ...(why ? { unavailable: why } : {}),
      createdAt: iso(m.createdAt),
      updatedAt: iso(m.updatedAt),
    };
  }

  /** Ends the live sessions on a machine (deleted, or moved to another address). */
  async function endSessionsOn(m: Machine, by: By, reason: string, message: string) {
    for (const s of await store.listSessions({ machineId: m.id, state: LIVE, limit: ALL_ROWS }))
      await deps.endSession(s.id, by, reason, message);
  }

  async function open(sealed: string | null, aad: string): Promise<string | null> {
    return sealed === null ? null : vault.open(sealed, aad);
  }

  /** passthrough: the directory login the web session signed in with (sign-in-secrets.ts), or the clear refusal. */
  async function passthroughLogin(userId: string, webSessionId: string | null | undefined) {
    const login = await signInLogin(deps, webSessionId, userId);
    if (!login) throw conflict('directory_sign_in_required', PASSTHROUGH_REFUSAL);
    return login;
  }

  const machines = {
    async view(m: Machine): Promise<MachineView> {
      return adminView(m, unavailableReason(m, await store.listHosts(), deps.isConnected, guacd()));
    },

    async listAdmin(): Promise<MachineView[]> {
      const hosts = await store.listHosts();
      return (await store.listMachines()).map((m) => adminView(m, unavailableReason(m, hosts, deps.isConnected, guacd())));
    },

    /** The machines this person may connect to, as they see them; `webSessionId` is the browser asking (passthrough needs its sign-in). */
    async listFor(user: User, webSessionId?: string | null): Promise<UserMachine[]> {
      const [all, hosts, saved] = await Promise.all([store.listMachines(), store.listHosts(), store.listCredentialMachineIds(user.id)]);
      const mine = all.filter((m) => entitled(user, m));
      const directory = mine.some((m) => m.credentialMode === 'passthrough') && (await signInLogin(deps, webSessionId, user.id)) !== null;
      return mine.map((m) => {
        // What the person can fix themselves comes first: signing in with their directory account.
        const why =
          m.credentialMode === 'passthrough' && !directory ? PASSTHROUGH_REFUSAL : unavailableReason(m, hosts, deps.isConnected, guacd());
        return {
          id: m.id,
          name: m.name,
          description: m.description,
          protocol: m.protocol,
          credentialMode: m.credentialMode,
          credentialsSaved: saved.includes(m.id),
          ...(why ? { unavailable: why } : {}),
        };
      });
    },

    async create(by: By, body: MachineInput): Promise<Machine> {
      await checkFields(store, body, null);
      const now = deps.clock.now();
      const id = newId('m');
      const { machine, secrets } = mergeMachine(null, body, id, now, vault);
      try {
        await store.createMachine(machine);
      } catch (err) {
        if (isStoreConflict(err, 'duplicate'))
          throw conflict('machine_exists', `A machine named “${machine.name}” exists already; pick another name.`);
        throw err;
      }
      await record(by, 'machine.create', id, {
        name: machine.name,
        protocol: machine.protocol,
        credentialMode: machine.credentialMode,
        secrets,
      });
      return machine;
    },

    /** `read` gives the body once the machine is known to exist (an unknown one is a 404 first). */
    async update(by: By, id: string, read: () => Partial<MachineInput>): Promise<Machine> {
      const cur = await machineOr404(id);
      const body = read();
      await checkFields(store, body, cur);
      const { machine, secrets, moved } = mergeMachine(cur, body, id, deps.clock.now(), vault);
      let updated: Machine | null;
      try {
        updated = await store.updateMachine(id, machine);
      } catch (err) {
        if (isStoreConflict(err, 'duplicate'))
          throw conflict('machine_exists', `A machine named “${machine.name}” exists already; pick another name.`);
        throw err;
      }
      if (!updated) throw notFound('machine');
      // People's own logins were given for the old server: they do not follow the machine elsewhere.
      const dropped = moved ? await store.deleteCredentialsOfMachine(id) : 0;
      await record(by, 'machine.update', id, {
        name: updated.name,
        changed: Object.keys(body),
        secrets,
        ...(moved ? { moved: true, personalCredentialsDropped: dropped } : {}),
      });
      if (moved) await endSessionsOn(updated, by, 'machine_changed', 'The machine was moved to another address by an admin.');
      if (body.groups !== undefined && deps.access)
        for (const s of await store.listSessions({ machineId: id, state: LIVE, limit: ALL_ROWS }))
          await deps.access.userChanged(s.userId, { actor: by.username, ip: by.ip, cause: 'machine.update' });
      return updated;
    },

    async remove(by: By, id: string): Promise<void> {
      const cur = await machineOr404(id);
      await endSessionsOn(cur, by, 'machine_deleted', 'The machine was removed by an admin.');
      await store.deleteMachine(id);
      await record(by, 'machine.delete', id, { name: cur.name, protocol: cur.protocol });
    },

    /** A machine this person may use, or 404 (someone else's machine is "no such machine"). */
    async entitledOr404(user: User, id: string): Promise<Machine> {
      const m = await store.getMachine(id);
      if (!m || !entitled(user, m)) throw notFound('machine');
      return m;
    },

    async saveCredentials(
      user: User,
      ip: string | null,
      id: string,
      body: { username: string; password?: string | undefined; privateKey?: string | undefined },
    ): Promise<void> {
      const m = await machines.entitledOr404(user, id);
      if (m.credentialMode !== 'per_user')
        throw conflict('credentials_not_per_user', `“${m.name}” does not ask each person for their own login; nothing to save.`);
      if (body.privateKey !== undefined && m.protocol !== 'ssh')
        throw conflict('credentials_not_per_user', 'A private key is only for SSH machines.');
      const uid = user.id;
      const c: MachineCredential = {
        machineId: m.id,
        userId: uid,
        username: body.username,
        passwordSealed: body.password ? vault.seal(body.password, credentialAad(m.id, uid, 'password')) : null,
        privateKeySealed: body.privateKey ? vault.seal(body.privateKey, credentialAad(m.id, uid, 'privateKey')) : null,
        updatedAt: deps.clock.now(),
      };
      await store.putMachineCredential(c);
      await record({ username: user.username, ip }, 'machine.credentials.save', m.id, {
        passwordSet: c.passwordSealed !== null,
        privateKeySet: c.privateKeySealed !== null,
      });
    },

    async forgetCredentials(user: User, ip: string | null, id: string): Promise<void> {
      const m = await machines.entitledOr404(user, id);
      const had = await store.deleteMachineCredential(m.id, user.id);
      await record({ username: user.username, ip }, 'machine.credentials.forget', m.id, { existed: had });
    },

    /**
     * Before a launch: entitled, credentials usable, guacd there, and a host that can dial it now.
     * `webSessionId` is the browser launching (null for API tokens): passthrough needs its directory sign-in.
     */
    async prepareLaunch(user: User, id: string, webSessionId?: string | null): Promise<{ machine: Machine; hostId: string }> {
      const m = await machines.entitledOr404(user, id);
      if (m.credentialMode === 'passthrough') await passthroughLogin(user.id, webSessionId);
      if (m.credentialMode === 'per_user' && !(await store.getMachineCredential(m.id, user.id)))
        throw conflict('credentials_required', `Save your login for “${m.name}” first (it is stored encrypted and never shown again).`);
      const g = guacd();
      if (g?.state === 'absent') throw unavailable('guacd_unavailable', g.problem ?? `${m.protocol.toUpperCase()} needs guacd.`);
      const hosts = await store.listHosts();
      const host = pickDialer(hosts, m, deps.isConnected);
      if (!host)
        throw unavailable(
          'machine_unreachable',
          `${unavailableReason(m, hosts, deps.isConnected, null)} Try again later or tell your admin.`,
        );
      return { machine: m, hostId: host.id };
    },

    /**
     * For the display tunnel (/ws/rdp): where a machine session's bytes go and guacd's connection
     * parameters, credentials resolved by the machine's mode. The session's host dials when it is
     * still connected, else another that may. Throws a DomainError saying why it cannot.
     */
    async machineConnection(sessionOrId: Session | string, webSessionId?: string | null): Promise<MachineConnection> {
      const session = typeof sessionOrId === 'string' ? await store.getSession(sessionOrId) : sessionOrId;
      if (!session) throw notFound('session');
      if (!session.machineId) throw conflict('not_a_machine_session', 'This session is not on an existing machine.');
      const m = await store.getMachine(session.machineId);
      if (!m) throw notFound('machine');
      const hosts = await store.listHosts();
      const recorded = hosts.find((h) => h.id === session.hostId && h.state === 'online' && deps.isConnected(h.id));
      const host = recorded ?? pickDialer(hosts, m, deps.isConnected);
      if (!host) throw unavailable('machine_unreachable', unavailableReason(m, hosts, deps.isConnected, null) ?? 'No host can reach it.');
      let login: { username: string; password: string | null; privateKey: string | null } | null = null;
      if (m.credentialMode === 'shared')
        login = {
          username: m.username,
          password: await open(m.passwordSealed, machineAad(m.id, 'password')),
          privateKey: await open(m.privateKeySealed, machineAad(m.id, 'privateKey')),
        };
      else if (m.credentialMode === 'per_user') {
        const c = await store.getMachineCredential(m.id, session.userId);
        if (!c) throw conflict('credentials_required', `Save your login for “${m.name}” first.`);
        login = {
          username: c.username,
          password: await open(c.passwordSealed, credentialAad(m.id, c.userId, 'password')),
          privateKey: await open(c.privateKeySealed, credentialAad(m.id, c.userId, 'privateKey')),
        };
      } else if (m.credentialMode === 'passthrough') {
        // The ticket's own web session, not any of the person's: signing out there must end its use.
        const kept = await passthroughLogin(session.userId, webSessionId);
        login = { username: kept.username, password: kept.password, privateKey: null };
      }
      return { hostId: host.id, target: { address: m.address, port: m.port }, protocol: m.protocol, settings: guacSettings(m, login) };
    },

    /** Before a display ticket for a machine session: a passthrough machine needs the asking browser's directory sign-in. */
    async checkTicket(session: Session, webSessionId: string | null | undefined): Promise<void> {
      const m = session.machineId ? await store.getMachine(session.machineId) : null;
      if (m?.credentialMode === 'passthrough') await passthroughLogin(session.userId, webSessionId);
    },

    /** The machine session's connection and a byte stream to its target, dialled by the agent (for the tunnel's forward). */
    async open(session: Session | string, webSessionId?: string | null): Promise<{ connection: MachineConnection; stream: WebSocket }> {
      if (!deps.dial) throw unavailable('machine_unreachable', 'This gateway cannot reach agents.');
      const connection = await machines.machineConnection(session, webSessionId);
      return { connection, stream: await deps.dial(connection.hostId, connection.target) };
    },
  };
  return machines;
}

/** guacd's parameter names per protocol; empty values are left out (guacamole-lite drops falsy settings anyway). */
export function guacSettings(
  m: Pick<Machine, 'protocol' | 'security' | 'ignoreCert' | 'domain'>,
  login: { username: string; password: string | null; privateKey: string | null } | null,
): Record<string, string> {
  const s: Record<string, string> = {};
  const put = (k: string, v: string | null | undefined) => {
    if (v) s[k] = v;
  };
  if (m.protocol === 'rdp') {
    put('username', login?.username);
    put('password', login?.password);
    put('domain', m.domain);
    s.security = m.security;
    if (m.ignoreCert) s['ignore-cert'] = 'true';
  } else if (m.protocol === 'ssh') {
    put('username', login?.username);
    put('password', login?.password);
    put('private-key', login?.privateKey);
  } else {
    put('password', login?.password);
  }
  return s;
}

export type Machines = ReturnType<typeof createMachines>;
