// When to try again after the connection to the server dropped: exponential backoff
// with a cap, so a restarting server is not hammered by every browser at once, and
// jitter so they do not all come back in the same instant.

export const kReconnectDelaysMs = [500, 1000, 2000, 4000, 8000] as const;
export const kReconnectMaxDelayMs = 10000;

export class ReconnectPolicy {
  private attempt_ = 0;

  // random() in [0, 1): injected so tests are deterministic.
  constructor(private readonly random_: () => number = Math.random) {}

  get attempts(): number {
    return this.attempt_;
  }

  // Delay before the next attempt; each call counts one attempt.
  next_delay_ms(): number {
    const base = kReconnectDelaysMs[this.attempt_] ?? kReconnectMaxDelayMs;
    this.attempt_ += 1;
    return Math.round(base * (0.8 + 0.4 * this.random_()));
  }

  // A join succeeded: the next drop starts from the shortest delay again.
  reset(): void {
    this.attempt_ = 0;
  }
}
