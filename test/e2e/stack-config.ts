/**
 * Ports apart from `npm start`'s (8787, 81xx, 82xx) so both can run at once;
 * `SWITCHYARD_E2E_BASE_PORT` moves the whole set (edge = base, sidecars base+11…13, engines
 * base+21…23; the third replica serves the large model).
 */
const base = Number(process.env.SWITCHYARD_E2E_BASE_PORT ?? 8797);

export const e2ePorts = {
  edge: base,
  replicas: [
    { port: base + 11, enginePort: base + 21 },
    { port: base + 12, enginePort: base + 22 },
  ],
  /** The large tier of `auto`: one slower replica. */
  large: { port: base + 13, enginePort: base + 23 },
};
export const e2eModel = 'sim-small';
export const e2eLargeModel = 'sim-large';
/** Steady delay between streamed tokens in the simulators. */
export const interTokenMs = 20;
