import { satisfies } from '../../domain';

describe('role rules', () => {
  it('anyOf: one listed role is enough; an empty list asks for none', () => {
    expect(satisfies(['user'], { anyOf: ['admin', 'user'] })).toBe(true);
    expect(satisfies(['agent'], { anyOf: ['admin', 'user'] })).toBe(false);
    expect(satisfies([], { anyOf: [] })).toBe(true);
  });

  it('allOf: every listed role is needed; an empty list asks for none', () => {
    expect(satisfies(['admin', 'user'], { allOf: ['admin', 'user'] })).toBe(true);
    expect(satisfies(['user'], { allOf: ['admin', 'user'] })).toBe(false);
    expect(satisfies([], { allOf: [] })).toBe(true);
  });
});
