import { FailureLimiter, PresentationLimiter } from '../../api/http/rateLimit';

describe('FailureLimiter', () => {
  it('blocks a client after max failures until its window ends, then forgets them', () => {
    const limiter = new FailureLimiter(2, 10_000);
    limiter.recordFailure('a', 0);
    expect(limiter.retryAfterSeconds('a', 1)).toBe(0);
    limiter.recordFailure('a', 1_000);
    expect(limiter.retryAfterSeconds('a', 1_000)).toBe(9);
    expect(limiter.retryAfterSeconds('a', 9_999)).toBe(1);
    expect(limiter.retryAfterSeconds('b', 1_000)).toBe(0);
    expect(limiter.retryAfterSeconds('a', 10_000)).toBe(0);
    limiter.recordFailure('a', 10_000);
    expect(limiter.retryAfterSeconds('a', 10_001)).toBe(0);
  });

  it('stays within its client bound, dropping expired windows first, then the oldest', () => {
    const limiter = new FailureLimiter(1, 10_000, 2);
    limiter.recordFailure('old', 0);
    limiter.recordFailure('mid', 5_000);
    limiter.recordFailure('new', 12_000); // 'old' has expired and goes
    expect(limiter.retryAfterSeconds('mid', 12_000)).toBe(3);
    expect(limiter.retryAfterSeconds('new', 12_000)).toBe(10);
    limiter.recordFailure('newest', 13_000); // none expired: the oldest, 'mid', goes
    expect(limiter.retryAfterSeconds('mid', 13_000)).toBe(0);
    expect(limiter.retryAfterSeconds('new', 13_000)).toBe(9);
    expect(limiter.retryAfterSeconds('newest', 13_000)).toBe(10);
  });
});

describe('PresentationLimiter', () => {
  it('counts per (caller, client) and per caller under a higher ceiling', () => {
    const limiter = new PresentationLimiter({ max: 2, callerMax: 3, windowMs: 10_000 });
    expect(limiter.failed('app', 'c1', 0)).toBe(0);
    expect(limiter.failed('app', 'c1', 0)).toBe(0);
    expect(limiter.failed('app', 'c1', 0)).toBe(10);
    expect(limiter.failed('app', 'c2', 0)).toBe(0);
    expect(limiter.failed('app', 'c3', 1_000)).toBe(9);
    expect(limiter.failed('other', undefined, 1_000)).toBe(0);
    expect(limiter.failed('app', 'c1', 10_000)).toBe(0);
  });
});
