/**
 * Runs tasks for the same key one after another. ClickHouse has no
 * transactions, so an alert's read-check-write of its triage state is
 * serialised here; this covers one API process (run one writer instance, or
 * accept last-writer-wins between instances: history keeps both changes).
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    const result = before.then(task, task);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
