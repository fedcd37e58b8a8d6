// "My desktops": one card per entitled pool with the person's live session in it, if any, and one
// per existing machine the person may connect to (RDP, VNC, SSH).
import { useCallback, useEffect, useState } from 'preact/hooks';
import { errorMessage, isApiError } from '../api/client.ts';
import { endSession, isLive, launchSession, listPools, listSessions, type Pool, type Session } from '../api/desktops.ts';
import { Alert } from '../components/Alert.tsx';
import { Button } from '../components/Button.tsx';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { EmptyState } from '../components/EmptyState.tsx';
import { CredentialsDialog } from '../components/machines/CredentialsDialog.tsx';
import { MachineCard } from '../components/machines/MachineCard.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { PoolCard } from '../components/PoolCard.tsx';
import { SnapshotsDialog } from '../components/SnapshotsDialog.tsx';
import { PageLoading } from '../components/Spinner.tsx';
import { connectMachine, listMachines, type UserMachine } from '../api/machines.ts';
import { navigate, paths, type DesktopsNotice } from '../modules/router.ts';
import { useNow } from '../modules/useNow.ts';
import { usePolling } from '../modules/usePolling.ts';

const REFRESH_MS = 5000;

const NOTICES: Record<DesktopsNotice, string> = {
  'launch-cancelled': 'Launch cancelled.',
};

/** The one-time message this page was opened with (`?notice=…`), if it knows it. */
function noticeFromUrl(): DesktopsNotice | undefined {
  const notice = new URLSearchParams(location.search).get('notice');
  return notice !== null && Object.hasOwn(NOTICES, notice) ? (notice as DesktopsNotice) : undefined;
}

/** A gateway without existing machines (404 on the route) simply has none to show. */
async function machinesOrNone(signal?: AbortSignal): Promise<UserMachine[]> {
  try {
    return await listMachines(signal);
  } catch (e) {
    if (isApiError(e) && e.status === 404) return [];
    throw e;
  }
}

function openSession(session: Session): void {
  navigate(session.state === 'ready' ? paths.viewer(session.id) : paths.launch(session.id));
}

export function DesktopsPage() {
  const [pools, setPools] = useState<Pool[]>();
  const [machines, setMachines] = useState<UserMachine[]>([]);
  const [credentialsFor, setCredentialsFor] = useState<UserMachine>();
  const [snapshotsOf, setSnapshotsOf] = useState<Pool>();
  const [sessions, setSessions] = useState<Session[]>([]);
  const [loadError, setLoadError] = useState<string>();
  const [launching, setLaunching] = useState<string>();
  const [cardError, setCardError] = useState<{ id: string; message: string }>();
  const [ending, setEnding] = useState<{ session: Session; name: string; machine: boolean }>();
  const [notice, setNotice] = useState(noticeFromUrl);
  const [machineNotice, setMachineNotice] = useState<string>();
  const now = useNow(30_000);

  useEffect(() => {
    // Shown once: a reload or a shared link should not say it again.
    if (location.search) navigate(paths.desktops(), { replace: true });
  }, []);

  const load = useCallback(async (signal?: AbortSignal) => {
    try {
      const [p, s, m] = await Promise.all([listPools(signal), listSessions(signal), machinesOrNone(signal)]);
      setPools(p);
      setMachines(m);
      // Lost sessions stay visible: their host may come back, and the person should know why.
      setSessions(s.filter((x) => isLive(x) || x.state === 'lost'));
      setLoadError(undefined);
    } catch (e) {
      if (!signal?.aborted) setLoadError(errorMessage(e));
    }
  }, []);

  usePolling(load, REFRESH_MS);

  const launch = async (pool: Pool): Promise<void> => {
    setLaunching(pool.id);
    setCardError(undefined);
    setNotice(undefined);
    try {
      openSession(await launchSession(pool.id));
    } catch (e) {
      setCardError({ id: pool.id, message: errorMessage(e) });
      setLaunching(undefined);
    }
  };

  const connect = async (machine: UserMachine): Promise<void> => {
    setLaunching(machine.id);
    setCardError(undefined);
    setNotice(undefined);
    try {
      openSession(await connectMachine(machine.id));
    } catch (e) {
      setLaunching(undefined);
      // The list was out of date: the machine wants this person's own login first.
      if (isApiError(e) && e.code === 'credentials_required') return setCredentialsFor({ ...machine, credentialsSaved: false });
      setCardError({ id: machine.id, message: errorMessage(e) });
    }
  };

  const machineSessionFor = (machine: UserMachine): Session | undefined =>
    sessions.filter((s) => s.machineId === machine.id).sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0))[0];

  const sessionFor = (pool: Pool): Session | undefined =>
    sessions.filter((s) => s.poolId === pool.id).sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0))[0];

  return (
    <>
      <PageHeading
        title="My desktops"
        subtitle="Launch a desktop to start working. A running desktop keeps your work while you are away."
      />
      {notice && (
        <div data-testid="desktops-notice" data-notice={notice}>
          <Alert tone="info" onDismiss={() => setNotice(undefined)}>
            {NOTICES[notice]}
          </Alert>
        </div>
      )}
      {machineNotice && (
        <div data-testid="machine-notice">
          <Alert tone="success" onDismiss={() => setMachineNotice(undefined)}>
            {machineNotice}
          </Alert>
        </div>
      )}
      {loadError && (
        <Alert title="Your desktops could not be loaded" action={<Button onClick={() => void load()}>Try again</Button>}>
          {loadError}
        </Alert>
      )}
      {!pools && !loadError && <PageLoading label="Loading your desktops…" />}
      {pools && pools.length === 0 && machines.length === 0 && (
        <EmptyState title="No desktops yet">
          You are not entitled to any desktop pool. Ask your Deskport administrator to add you to a group that has one.
        </EmptyState>
      )}
      {pools && pools.length + machines.length > 0 && (
        <div class="pool-grid" data-testid="pool-list">
          {pools.map((pool) => (
            <PoolCard
              key={pool.id}
              pool={pool}
              session={sessionFor(pool)}
              now={now}
              launching={launching === pool.id}
              error={cardError?.id === pool.id ? cardError.message : undefined}
              onLaunch={() => void launch(pool)}
              onResume={openSession}
              onEnd={(session) => setEnding({ session, name: pool.name, machine: false })}
              onSnapshots={() => setSnapshotsOf(pool)}
            />
          ))}
          {machines.map((machine) => (
            <MachineCard
              key={`machine-${machine.id}`}
              machine={machine}
              session={machineSessionFor(machine)}
              now={now}
              connecting={launching === machine.id}
              onResume={openSession}
              onEnd={(session) => setEnding({ session, name: machine.name, machine: true })}
              error={cardError?.id === machine.id ? cardError.message : undefined}
              onConnect={() => void connect(machine)}
              onCredentials={() => setCredentialsFor(machine)}
            />
          ))}
        </div>
      )}
      {snapshotsOf && <SnapshotsDialog pool={snapshotsOf} onClose={() => setSnapshotsOf(undefined)} />}
      {credentialsFor && (
        <CredentialsDialog
          machine={credentialsFor}
          onClose={() => setCredentialsFor(undefined)}
          onChanged={(message) => {
            setMachineNotice(message);
            void load();
          }}
        />
      )}
      {ending && (
        <ConfirmDialog
          title={`End ${ending.name}?`}
          confirmLabel={ending.machine ? 'End session' : 'End desktop'}
          onClose={() => setEnding(undefined)}
          onConfirm={async () => {
            await endSession(ending.session.id);
            await load();
          }}
        >
          {ending.machine
            ? `The connection to ${ending.name} closes for everyone viewing it. The machine itself keeps running.`
            : 'The desktop shuts down for everyone viewing it. Save your work first: anything unsaved in it is lost.'}
        </ConfirmDialog>
      )}
    </>
  );
}
