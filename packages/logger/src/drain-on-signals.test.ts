import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createLogger } from './index.ts';
import { drainOnSignals, type SignalTarget } from './drain-on-signals.ts';

function fakeProcess(): SignalTarget & { emitter: EventEmitter; exits: number[] } {
  const emitter = new EventEmitter();
  const exits: number[] = [];
  return {
    emitter,
    exits,
    exitCode: undefined,
    once: (signal, listener) => emitter.once(signal, listener),
    exit: (code) => void exits.push(code),
  };
}

function capture(): { logger: ReturnType<typeof createLogger>; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
  return { logger, lines };
}

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('drainOnSignals', () => {
  it('drains once however many signals come, and logs the final fields', async () => {
    const target = fakeProcess();
    const { logger, lines } = capture();
    let drains = 0;
    drainOnSignals({ logger, deadlineMs: 10_000, lostAtDeadline: 'x', target, drain: async () => void drains++, drainedFields: () => ({ stored: 7 }) });
    target.emitter.emit('SIGTERM');
    target.emitter.emit('SIGINT');
    await tick();
    expect(drains).toBe(1);
    expect(lines.find((l) => l['msg'] === 'drained')).toMatchObject({ stored: 7 });
    expect(target.exitCode).toBeUndefined();
  });

  it('exits 1 when the drain outlives the deadline, saying what was left undone', async () => {
    const target = fakeProcess();
    const { logger, lines } = capture();
    const drain = drainOnSignals({ logger, deadlineMs: 20, lostAtDeadline: 'the batch uncommitted', target, drain: () => new Promise(() => undefined) });
    void drain('start-failure');
    await tick(60);
    expect(target.exits).toEqual([1]);
    expect(String(lines.at(-1)?.['msg'])).toContain('exiting with the batch uncommitted');
  });

  it('sets exit code 1 when the drain throws', async () => {
    const target = fakeProcess();
    const { logger, lines } = capture();
    const drain = drainOnSignals({ logger, deadlineMs: 10_000, lostAtDeadline: 'x', target, drain: () => Promise.reject(new Error('store gone')) });
    await drain('SIGTERM');
    expect(target.exitCode).toBe(1);
    expect(lines.some((l) => l['msg'] === 'error while draining')).toBe(true);
  });
});
