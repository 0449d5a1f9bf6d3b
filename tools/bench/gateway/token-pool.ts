/**
 * Fresh tokens for a client that must send a new one with every request (a single-use internal
 * token). Tokens are signed ahead, in batches on the client's event loop between requests (so a
 * signer that is asynchronous works too: autocannon's `setupRequest` is synchronous), and each is
 * taken once. A token older than
 * `maxAgeMs` is dropped unsent, so a slow phase never presents one close to its expiry.
 */
export class TokenPool {
  private tokens: Array<{ readonly token: string; readonly signedAt: number }> = [];
  private head = 0;
  private running = false;
  private filler: Promise<void> | undefined;
  /** Requests that found the pool empty and went out with the last token again (a replay). */
  misses = 0;
  signed = 0;
  private last = '';

  constructor(
    private readonly sign: () => string | Promise<string>,
    private readonly size: number,
    private readonly maxAgeMs: number,
    private readonly batch = 256,
  ) {}

  /** Fills the pool, then keeps it full in the background until `stop()`. */
  async start(): Promise<void> {
    await this.refill();
    this.running = true;
    this.filler = this.keepFull();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.filler;
  }

  take(): string {
    this.dropStale();
    const next = this.tokens[this.head];
    if (!next) {
      this.misses++;
      return this.last;
    }
    this.head++;
    this.last = next.token;
    return next.token;
  }

  private get available(): number {
    return this.tokens.length - this.head;
  }

  private dropStale(): void {
    const oldest = Date.now() - this.maxAgeMs;
    while (this.head < this.tokens.length && this.tokens[this.head]!.signedAt < oldest) this.head++;
    // Compact now and then instead of shifting on every take.
    if (this.head > 4096 && this.head * 2 > this.tokens.length) {
      this.tokens = this.tokens.slice(this.head);
      this.head = 0;
    }
  }

  private async refill(): Promise<void> {
    this.dropStale();
    while (this.available < this.size) {
      const count = Math.min(this.batch, this.size - this.available);
      const signedAt = Date.now();
      const tokens: string[] = [];
      for (let i = 0; i < count; i++) tokens.push(await this.sign());
      this.signed += count;
      for (const token of tokens) this.tokens.push({ token, signedAt });
      this.dropStale();
      // Let the requests in flight go on between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private async keepFull(): Promise<void> {
    while (this.running) {
      await this.refill();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}
