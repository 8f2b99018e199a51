// Background rounds on a timer (payment reconciliation and deliveries, merchant notifications, the
// IMSHOP sync): one round at a time, a failed round logged and not thrown, and a timer that never
// keeps the process alive on its own.

/** Runs `round` every `ms` unless the previous round is still running; clear it with clearInterval. */
export function every(ms: number, round: () => Promise<unknown>, onError: (err: unknown) => void): NodeJS.Timeout {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    round()
      .catch(onError)
      .finally(() => (busy = false));
  }, ms);
  timer.unref();
  return timer;
}
