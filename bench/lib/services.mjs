// The host services of in-process benchmarks (createEngine): the real clock and randomness, and no
// $http or host calls, which the benchmarked projects never make (a call would be a bug: it throws).
export const services = {
  http: () => {
    throw new Error("no $http in this benchmark");
  },
  call: () => {
    throw new Error("no host calls in this benchmark");
  },
  now: () => Date.now(),
  random: (max) => Math.floor(Math.random() * max),
  log: () => undefined,
  env: () => undefined,
  secret: () => undefined,
};
