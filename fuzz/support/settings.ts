/**
 * How much to fuzz and from where: `FUZZ_SEED` replays a run (a failure prints its seed),
 * `FUZZ_HTTP_INPUTS` and `FUZZ_KAFKA_INPUTS` are per service (`FUZZ_WS_INPUTS` per WebSocket endpoint) (the normal test run is short;
 * `npm run fuzz` sets them high).
 */
export const fuzzSettings = {
  seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31),
  httpInputs: Number(process.env.FUZZ_HTTP_INPUTS ?? 1_000),
  kafkaInputs: Number(process.env.FUZZ_KAFKA_INPUTS ?? 60),
  websocketInputs: Number(process.env.FUZZ_WS_INPUTS ?? 200),
};

/** Runs a property with the settings' seed; a failure names the seed that replays it. */
export async function withSeed<T>(what: string, run: (seed: number) => Promise<T>): Promise<T> {
  const { seed } = fuzzSettings;
  try {
    return await run(seed);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${what} failed; replay with FUZZ_SEED=${seed}\n${message}`);
  }
}
