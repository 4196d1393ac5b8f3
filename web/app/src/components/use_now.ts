import { useEffect, useState } from 'preact/hooks';

// Re-renders every `period_ms` while `active` (a running timer), giving the clock.
export function use_now(active: boolean, period_ms = 1000): number {
  const [now, set_now] = useState(() => performance.now());
  useEffect(() => {
    if (!active) return;
    set_now(performance.now());
    const timer = setInterval(() => set_now(performance.now()), period_ms);
    return () => clearInterval(timer);
  }, [active, period_ms]);
  return now;
}

// 90500 → "1:31" (minutes:seconds, rounded up so 0:00 means time is up).
export function format_clock(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return `${minutes}:${seconds.toString().padStart(2, '0')}`;
}
