// Explicit transition tables for every lifecycle (session, desktop, host, viewer, shadow). One
// check() refuses illegal moves with an error instead of silently overwriting a state.
export class IllegalTransition extends Error {
  constructor(
    readonly machine: string,
    readonly from: string,
    readonly to: string,
  ) {
    super(`${machine}: illegal transition ${from} → ${to}`);
  }
}

export interface StateMachine<S extends string> {
  readonly name: string;
  can(from: S, to: S): boolean;
  /** Returns `to` when the move is legal, else throws IllegalTransition. */
  check(from: S, to: S): S;
  isTerminal(s: S): boolean;
  readonly states: readonly S[];
}

export function defineMachine<S extends string>(name: string, table: Record<S, readonly S[]>): StateMachine<S> {
  const states = Object.keys(table) as S[];
  return {
    name,
    states,
    can: (from, to) => table[from]?.includes(to) ?? false,
    check(from, to) {
      if (!this.can(from, to)) throw new IllegalTransition(name, from, to);
      return to;
    },
    isTerminal: (s) => (table[s]?.length ?? 0) === 0,
  };
}
