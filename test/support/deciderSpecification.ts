import type { Decider } from '../../domain';

/**
 * Given/when/then for a decider, after Emmett's DeciderSpecification:
 * spec.given([...events]).when(command).then([...events]) or .thenThrows(ErrorType, message?).
 */
export function deciderSpecification<C, E, S, Ctx>(decider: Decider<C, E, S, Ctx>, context: () => Ctx) {
  return {
    given(events: E[]) {
      return {
        when(command: C) {
          const run = () => {
            const state = events.reduce(decider.evolve, decider.initialState());
            return decider.decide(command, state, context());
          };
          return {
            then(expected: E[]) {
              expect(run()).toEqual(expected);
            },
            thenThrows(errorType: new (...args: never[]) => Error, message?: string) {
              let thrown: unknown;
              try {
                run();
              } catch (error) {
                thrown = error;
              }
              expect(thrown).toBeInstanceOf(errorType);
              if (message !== undefined) expect((thrown as Error).message).toBe(message);
            },
          };
        },
      };
    },
  };
}
