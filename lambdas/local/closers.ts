/**
 * What a local-mode start has opened, closed last-opened first: the HTTP
 * server stops before the queue it feeds, the queue before the stores its
 * batches write. A close that fails does not keep the rest open.
 */
export class Closers {
  readonly #closes: Array<() => Promise<void>> = [];

  add(close: () => Promise<void>): void {
    this.#closes.push(close);
  }

  async closeAll(): Promise<void> {
    for (const close of this.#closes.reverse()) await close().catch(() => undefined);
    this.#closes.length = 0;
  }
}
