// The launch checklist as data: the gateway's progress steps in their known order, optional
// steps (image pull, waiting for the display) only once they happen, and steps this client does
// not know yet placed where they arrived, labelled from their name and shown with their message.

export type StepMark = 'done' | 'active' | 'failed' | 'pending';

export interface StepEvent {
  step: string;
  message: string;
}

export interface StepItem {
  step: string;
  label: string;
  mark: StepMark;
  /** The gateway's words for this step, when they are worth showing. */
  message?: string;
  known: boolean;
}

/** Always listed, so the person sees what is still to come. */
const CORE = ['queued', 'placing', 'creating', 'starting', 'ready'];
/** Every step this client knows, in launch order; the ones not in CORE appear only when seen. */
const KNOWN = ['queued', 'placing', 'pulling', 'creating', 'starting', 'waiting_display', 'ready'];

const LABELS: Record<string, string> = {
  queued: 'Queued',
  placing: 'Finding a host',
  pulling: 'Downloading the desktop image',
  creating: 'Creating your desktop',
  starting: 'Starting the desktop',
  waiting_display: 'Waiting for the display',
  ready: 'Ready',
};

/** "warming_up" → "Warming up". */
export function stepLabel(step: string): string {
  const known = LABELS[step];
  if (known) return known;
  const words = step.replace(/[_.-]+/g, ' ').trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : 'Working';
}

function order(seen: readonly StepEvent[]): string[] {
  const list = [...CORE];
  const rank = (s: string): number => KNOWN.indexOf(s);
  let previous: string | undefined;
  for (const { step } of seen) {
    if (!list.includes(step)) {
      if (rank(step) >= 0) {
        const before = list.findIndex((s) => rank(s) > rank(step));
        list.splice(before < 0 ? list.length : before, 0, step);
      } else {
        // Unknown: right after whatever came just before it (or first, if nothing did).
        const at = previous === undefined ? 0 : list.indexOf(previous) + 1;
        list.splice(Math.min(at, list.indexOf('ready')), 0, step);
      }
    }
    previous = step;
  }
  return list;
}

export interface StepOptions {
  /** The session is ready, whatever the last progress event said. */
  ready: boolean;
  /** The launch stopped; the current step is marked failed with this message. */
  failedMessage?: string;
}

export function launchStepItems(seen: readonly StepEvent[], { ready, failedMessage }: StepOptions): StepItem[] {
  const list = order(seen);
  const latest = new Map(seen.map((e) => [e.step, e.message]));
  // The furthest step reached; events may repeat or arrive late, so position wins over arrival.
  // A launch that failed before any step was heard (its page read the failure first) does not say
  // where it stopped: no step is marked failed or active, the failure message says what happened.
  if (failedMessage !== undefined && !ready && seen.length === 0)
    return list.map((step) => ({ step, label: stepLabel(step), mark: 'pending' as const, known: KNOWN.includes(step) }));
  const current = ready ? list.indexOf('ready') : Math.max(0, ...seen.map((e) => list.indexOf(e.step)));
  return list.map((step, i) => {
    const known = KNOWN.includes(step);
    let mark: StepMark = i < current ? 'done' : i > current ? 'pending' : 'active';
    if (i === current && failedMessage !== undefined) mark = 'failed';
    else if (i === current && step === 'ready') mark = 'done';
    const said = latest.get(step) || undefined;
    const message = mark === 'failed' ? failedMessage || said : mark === 'active' || !known ? said : undefined;
    return { step, label: stepLabel(step), mark, message, known };
  });
}

/** How far along the bar is: a sliver before the first event, full at ready. */
export function stepFraction(items: readonly StepItem[], started: boolean): number {
  if (!started) return 0.08;
  const reached = items.findIndex((s) => s.mark === 'active' || s.mark === 'failed');
  return reached < 0 ? 1 : (reached + 1) / items.length;
}
