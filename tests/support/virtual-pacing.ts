/**
 * Pacing that follows a test's hand-moved clock: waiting advances a virtual offset instead of sleeping,
 * so rate limits and per-conversation spacing cost no real time, and moving the clock moves pacing too.
 */
export function virtualPacing(clock: () => Date): {
  monotonic: () => number;
  sleep: (ms: number) => Promise<void>;
} {
  let slept = 0;
  return {
    monotonic: () => clock().getTime() + slept,
    sleep: async (ms: number) => {
      slept += Math.max(0, ms);
    },
  };
}
