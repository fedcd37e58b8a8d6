// Whether the owner's session is being recorded, for the viewer's notice (README "Recording"): the
// session as the page first read it (its policy says whether recording applies), then every `state`
// event of the session's events stream (recordingActive changes when recording starts or stops).
import { useEffect, useState } from 'preact/hooks';
import { sessionEventsUrl, type Session } from '../../api/desktops.ts';

export interface RecordingNotice {
  /** The gateway records the screen now. */
  active: boolean;
  /** The session's policy records it (`on`): said before connecting, even before the recorder started. */
  expected: boolean;
}

export function recordingNoticeOf(session: Pick<Session, 'recordingActive' | 'policy'> | undefined): RecordingNotice {
  return { active: session?.recordingActive === true, expected: session?.policy?.recording === 'on' || session?.recordingActive === true };
}

export function useRecordingNotice(sessionId: string, session: Session | undefined, live: boolean): RecordingNotice {
  const [notice, setNotice] = useState<RecordingNotice>(() => recordingNoticeOf(session));
  useEffect(
    () => setNotice((n) => ({ ...recordingNoticeOf(session), expected: n.expected || recordingNoticeOf(session).expected })),
    [session],
  );
  useEffect(() => {
    if (!live || typeof EventSource !== 'function') return;
    const source = new EventSource(sessionEventsUrl(sessionId));
    source.addEventListener('state', (ev) => {
      try {
        const data = JSON.parse((ev as MessageEvent<string>).data) as { session?: { recordingActive?: unknown } };
        const active = data.session?.recordingActive === true;
        setNotice((n) => ({ active, expected: n.expected || active }));
      } catch {
        // Not ours to judge: the shadow watcher reports unreadable streams.
      }
    });
    return () => source.close();
  }, [sessionId, live]);
  return notice;
}
