import { describe, expect, it } from 'vitest';
import { desktopMachine, hostMachine, sessionMachine } from './lifecycles.ts';
import { IllegalTransition, type StateMachine } from './state-machine.ts';

const legal: Record<string, [string, string][]> = {
  session: [
    ['starting', 'ready'],
    ['starting', 'ending'],
    ['starting', 'failed'],
    ['starting', 'lost'],
    ['ready', 'ending'],
    ['ready', 'failed'],
    ['ready', 'lost'],
    ['ending', 'ended'],
    ['ending', 'failed'],
    ['lost', 'ready'],
    ['lost', 'ending'],
    ['lost', 'ended'],
  ],
  desktop: [
    ['creating', 'running'],
    ['creating', 'stopping'],
    ['creating', 'failed'],
    ['running', 'stopping'],
    ['running', 'failed'],
    ['running', 'gone'],
    ['stopping', 'gone'],
    ['stopping', 'failed'],
    ['failed', 'stopping'],
    ['failed', 'gone'],
  ],
  host: [
    ['online', 'unreachable'],
    ['online', 'draining'],
    ['online', 'cordoned'],
    ['unreachable', 'online'],
    ['unreachable', 'draining'],
    ['unreachable', 'cordoned'],
    ['unreachable', 'offline'],
    ['draining', 'online'],
    ['draining', 'unreachable'],
    ['draining', 'cordoned'],
    ['cordoned', 'online'],
    ['cordoned', 'unreachable'],
    ['cordoned', 'draining'],
    ['offline', 'online'],
  ],
};

function check<S extends string>(m: StateMachine<S>) {
  const ok = new Set(legal[m.name]!.map(([a, b]) => `${a}>${b}`));
  for (const from of m.states) {
    for (const to of m.states) {
      if (ok.has(`${from}>${to}`)) expect(m.check(from, to)).toBe(to);
      else expect(() => m.check(from, to), `${m.name} ${from}→${to}`).toThrow(IllegalTransition);
    }
  }
}

describe('lifecycles refuse every illegal transition', () => {
  it('session', () => check(sessionMachine));
  it('desktop', () => check(desktopMachine));
  it('host', () => check(hostMachine));
  it('ended and failed sessions and gone desktops are terminal', () => {
    expect(sessionMachine.isTerminal('ended')).toBe(true);
    expect(sessionMachine.isTerminal('failed')).toBe(true);
    expect(sessionMachine.isTerminal('ready')).toBe(false);
    expect(desktopMachine.isTerminal('gone')).toBe(true);
  });
  it('names the move in the error', () => {
    expect(() => sessionMachine.check('ended', 'ready')).toThrow('session: illegal transition ended → ready');
  });
});
