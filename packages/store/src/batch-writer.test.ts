import { describe, expect, it } from 'vitest';
import { dedupToken } from './batch-writer.ts';

describe('dedupToken', () => {
  it('depends on the set of ids, not their order', () => {
    expect(dedupToken('events', ['b', 'a', 'c'])).toBe(dedupToken('events', ['c', 'b', 'a']));
    expect(dedupToken('events', ['a', 'b'])).not.toBe(dedupToken('events', ['a', 'b', 'c']));
    expect(dedupToken('events', ['a'])).not.toBe(dedupToken('alerts', ['a']));
    // The separator keeps ["ab", "c"] and ["a", "bc"] apart.
    expect(dedupToken('events', ['ab', 'c'])).not.toBe(dedupToken('events', ['a', 'bc']));
  });
});
