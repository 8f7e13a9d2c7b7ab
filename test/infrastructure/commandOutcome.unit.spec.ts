import { InvalidCommandError, KeyNotFoundError } from '../../domain';
import { commandOutcome } from '../../infrastructure/commands/keyCommands';
import { EventStoreUnavailableError, WrongExpectedRevisionError } from '../../infrastructure/eventStore/port';

describe('command outcome', () => {
  it.each([
    ['ApiKeyCreated', 'created'],
    ['ApiKeyRenewed', 'renewed'],
    ['ApiKeyRotated', 'rotated'],
    ['ApiKeyRevoked', 'revoked'],
    ['ApiKeyImported', 'imported'],
  ])('is named by its first event: %s -> %s', (type, outcome) => {
    expect(commandOutcome({ newEvents: [{ type }] })).toBe(outcome);
  });

  it('is "unchanged" when nothing was decided', () => {
    expect(commandOutcome({ newEvents: [] })).toBe('unchanged');
  });

  it.each([
    [new KeyNotFoundError(), 'not_found'],
    [new InvalidCommandError('alias is required'), 'rejected'],
    [new EventStoreUnavailableError(), 'unavailable'],
    [new WrongExpectedRevisionError('apikey-a', 1n, 2n), 'conflict'],
    [new Error('boom'), 'error'],
  ])('is named by why it was refused: %s', (error, outcome) => {
    expect(commandOutcome({ error })).toBe(outcome);
  });
});
