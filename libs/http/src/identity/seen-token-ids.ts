import type { Clock } from '@shop/shared-kernel';

/** What `SeenTokenIds.add` found. */
export type Sighting = 'first' | 'again' | 'full';

/**
 * The ids (`jti`) of the internal tokens a service accepted, each kept until its token would be
 * refused as expired anyway, so that a token is good once. Bounded: once `capacity` ids are live at
 * the same time, new ones are turned away (`full`) rather than an id still live forgotten, which
 * would reopen its token to a replay. A Map rather than a cache library: it needs the injected
 * clock and that refusal when full, and insertion order is already expiry order (every token lives
 * as long, and they arrive about in the order they were signed), so dropping expired ids from the
 * front is all the upkeep.
 */
export class SeenTokenIds {
  /** jti → epoch ms after which its token is expired, so it can be forgotten. */
  private readonly ids = new Map<string, number>();

  constructor(
    readonly capacity: number,
    private readonly clock: Clock,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`capacity must be a positive whole number, not ${capacity}`);
  }

  get size(): number {
    return this.ids.size;
  }

  /** Records `id` until `forgetAtMs` unless it is already there. */
  add(id: string, forgetAtMs: number): Sighting {
    const now = this.clock.now().getTime();
    const known = this.ids.get(id);
    if (known !== undefined && known > now) return 'again';
    this.forgetExpired(now);
    if (this.ids.size >= this.capacity) return 'full';
    this.ids.set(id, forgetAtMs);
    return 'first';
  }

  private forgetExpired(now: number): void {
    for (const [id, forgetAt] of this.ids) {
      if (forgetAt > now) return;
      this.ids.delete(id);
    }
  }
}
