// The owner's shadow requests while the viewer is open: follows the session's events stream and
// answers (approve, deny, end) through the API, keeping the consent state (modules/viewer/shadowConsent).
import { useEffect, useState } from 'preact/hooks';
import { answerShadow, endShadow, type Shadow } from '../../api/shadows.ts';
import { watchShadows } from '../../api/shadowEvents.ts';
import { applyShadow, approvedShadows, fromList, NO_SHADOWS, promptFor, type ShadowMap } from './shadowConsent.ts';

export interface OwnerShadows {
  prompt: Shadow | undefined;
  approved: Shadow[];
  answer(shadow: Shadow, answer: 'approve' | 'deny', sound?: boolean): Promise<void>;
  end(shadow: Shadow): Promise<void>;
}

export function useOwnerShadows(sessionId: string, active: boolean): OwnerShadows {
  const [map, setMap] = useState<ShadowMap>(NO_SHADOWS);
  const [answered, setAnswered] = useState<ReadonlySet<string>>(new Set());

  useEffect(() => {
    if (!active) {
      setMap(NO_SHADOWS);
      return;
    }
    return watchShadows(sessionId, {
      onShadow: (shadow) => setMap((m) => applyShadow(m, shadow)),
      onList: (list) => setMap(fromList(list)),
    });
  }, [sessionId, active]);

  const answer = async (shadow: Shadow, verdict: 'approve' | 'deny', sound = false): Promise<void> => {
    const updated = await answerShadow(shadow.id, verdict, sound);
    setAnswered((a) => new Set(a).add(shadow.id));
    setMap((m) => applyShadow(m, updated));
  };

  const end = async (shadow: Shadow): Promise<void> => {
    const updated = await endShadow(shadow.id);
    setMap((m) => applyShadow(m, updated));
  };

  return { prompt: promptFor(map, answered), approved: approvedShadows(map), answer, end };
}
