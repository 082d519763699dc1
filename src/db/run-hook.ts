// A unit of work's after-commit hook, for both adapters: its failure is its own, the unit has committed.
export function runHook(fn: () => void): void {
  try {
    fn();
  } catch {
    /* hooks only hand work on (a bounded queue) and report their own failures */
  }
}
