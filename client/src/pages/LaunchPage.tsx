// Launch progress: follows the session's events until it is ready (then opens the viewer) or fails
// (then says why and offers "Try again").
import { useEffect, useRef, useState } from 'preact/hooks';
import { errorMessage } from '../api/client.ts';
import { connectMachine } from '../api/machines.ts';
import { endSession, getSession, isFinal, launchSession, listPools, type Pool, type Session, type SessionState } from '../api/desktops.ts';
import { watchSession } from '../api/sessionEvents.ts';
import { Alert } from '../components/Alert.tsx';
import { ProtocolBadge } from '../components/Badge.tsx';
import { Button } from '../components/Button.tsx';
import { LaunchSteps } from '../components/LaunchSteps.tsx';
import { Link } from '../components/Link.tsx';
import { launchStepItems, stepFraction, type StepEvent } from '../modules/launchSteps.ts';
import { navigate, paths } from '../modules/router.ts';
import { loadGuacDisplay, loadNoVnc } from '../modules/viewer/connection.ts';
import { formatElapsed } from '../modules/time.ts';
import { useNow } from '../modules/useNow.ts';

const STATE_RANK: Record<SessionState, number> = { starting: 0, ready: 1, ending: 2, ended: 3, failed: 3, lost: 3 };

/** Failed, lost, ended, or being ended: this launch will not reach "ready" (a lost host may come back, but not in time for it). */
function stopsLaunch(session: Session): boolean {
  return isFinal(session.state) || session.state === 'ending' || session.state === 'lost';
}

const ADVICE = 'If it keeps failing, tell your administrator.';

/** What went wrong and what to do; the gateway's own messages already end with their advice. */
function failureText(session: Session): string {
  if (session.state === 'failed' && session.error)
    return /tell your admin/.test(session.error) ? session.error : `${session.error} ${ADVICE}`;
  if (session.state === 'failed') return `The desktop could not be started. ${ADVICE}`;
  if (session.state === 'lost') return `The host running this desktop stopped answering. ${ADVICE}`;
  return `The session ended before the desktop was ready. ${ADVICE}`;
}

export function LaunchPage({ sessionId }: { sessionId: string }) {
  const [session, setSession] = useState<Session>();
  const [steps, setSteps] = useState<StepEvent[]>([]);
  const [pool, setPool] = useState<Pool>();
  const [watchError, setWatchError] = useState<string>();
  const [polling, setPolling] = useState(false);
  const [actionError, setActionError] = useState<string>();
  const [busy, setBusy] = useState<'retry' | 'cancel'>();
  const startedAt = useRef(Date.now());
  const [stoppedAt, setStoppedAt] = useState<number>();
  const now = useNow(100, stoppedAt === undefined);

  useEffect(() => {
    // Fetch the viewer's code while the desktop starts.
    loadNoVnc().catch(() => {});
  }, []);
  useEffect(() => {
    // RDP pools show the desktop with guacamole-common-js: fetch that too.
    if (pool?.protocol === 'rdp') loadGuacDisplay().catch(() => {});
  }, [pool?.protocol]);

  useEffect(() => {
    let stop = (): void => {};
    let done = false;
    let rank = -1;
    const onSession = (s: Session): void => {
      // The first GET and the stream race; never let an older answer undo a newer state.
      if (done || STATE_RANK[s.state] < rank) return;
      rank = STATE_RANK[s.state];
      setSession(s);
      if (s.state === 'ready' || stopsLaunch(s)) done = true;
      if (s.state === 'ready') {
        stop();
        navigate(paths.viewer(s.id), { replace: true });
      } else if (stopsLaunch(s)) {
        stop();
        setStoppedAt(Date.now());
      }
    };
    stop = watchSession(sessionId, {
      // Bounded: a misbehaving stream must not grow the list forever.
      onProgress: ({ step, message }) => setSteps((seen) => [...seen, { step, message }].slice(-64)),
      onSession,
      onError: (e) => {
        setWatchError(errorMessage(e));
        setStoppedAt(Date.now());
      },
      onTransport: (t) => setPolling(t === 'polling'),
    });
    // The stream may only carry what happens from now on; one read shows where things stand.
    getSession(sessionId).then(onSession, (e: unknown) => setWatchError(errorMessage(e)));
    return () => stop();
  }, [sessionId]);

  useEffect(() => {
    if (session && !pool)
      listPools().then(
        (ps) => setPool(ps.find((p) => p.id === session.poolId)),
        () => {},
      );
  }, [session, pool]);

  const retry = async (): Promise<void> => {
    if (!session) return;
    setBusy('retry');
    setActionError(undefined);
    try {
      const next = await (session.machineId ? connectMachine(session.machineId) : launchSession(session.poolId ?? ''));
      navigate(next.state === 'ready' ? paths.viewer(next.id) : paths.launch(next.id), { replace: true });
    } catch (e) {
      setActionError(errorMessage(e));
      setBusy(undefined);
    }
  };

  const cancel = async (): Promise<void> => {
    setBusy('cancel');
    try {
      await endSession(sessionId);
      // Replace: going Back should not reopen a launch that no longer runs.
      navigate(paths.desktops('launch-cancelled'), { replace: true });
    } catch (e) {
      setActionError(errorMessage(e));
      setBusy(undefined);
    }
  };

  const failed = session !== undefined && stopsLaunch(session);
  const items = launchStepItems(steps, { ready: session?.state === 'ready', failedMessage: failed ? 'Stopped here' : undefined });
  const fraction = stepFraction(items, steps.length > 0 || session?.state === 'ready');
  const elapsed = (stoppedAt ?? now) - startedAt.current;
  const poolName = pool?.name ?? 'your desktop';

  return (
    <div class="launch">
      <section class="card launch__card" aria-labelledby="launch-title" data-testid="launch" data-state={session?.state ?? 'loading'}>
        <div class="launch__head">
          <div>
            <p class="eyebrow">{failed ? 'Launch stopped' : 'Launching'}</p>
            <h1 id="launch-title">{failed ? `${poolName} could not start` : `Starting ${poolName}`}</h1>
          </div>
          {pool && <ProtocolBadge protocol={pool.protocol} />}
        </div>
        <div
          class="progress"
          role="progressbar"
          aria-label="Launch progress"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.round(fraction * 100)}
        >
          <div class={`progress__bar${failed ? ' is-failed' : ''}`} style={{ width: `${fraction * 100}%` }} />
        </div>
        <div class="launch__meta">
          <span>
            Elapsed <strong data-testid="launch-elapsed">{formatElapsed(elapsed)}</strong>
          </span>
          {polling && !failed && <span class="muted small">Live updates unavailable; checking every half second.</span>}
        </div>
        <LaunchSteps items={items} />
        {failed && session && (
          <Alert
            title="Your desktop could not start"
            action={
              <Button variant="primary" busy={busy === 'retry'} onClick={() => void retry()}>
                Try again
              </Button>
            }
          >
            <span data-testid="launch-error">{failureText(session)}</span>
          </Alert>
        )}
        {watchError && !failed && (
          <Alert
            title="This launch cannot be followed"
            action={
              <Link href={paths.desktops()} class="btn btn--secondary btn--md">
                My desktops
              </Link>
            }
          >
            {watchError}
          </Alert>
        )}
        {actionError && <Alert>{actionError}</Alert>}
        <div class="launch__actions">
          <Link href={paths.desktops()} class="btn btn--ghost btn--md">
            ← My desktops
          </Link>
          {!failed && !watchError && (
            <Button variant="subtle-danger" busy={busy === 'cancel'} onClick={() => void cancel()}>
              Cancel launch
            </Button>
          )}
        </div>
      </section>
    </div>
  );
}
