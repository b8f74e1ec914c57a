/**
 * Ports apart from `npm start`'s (8787, 81xx, 82xx) so both can run at once;
 * `SWITCHYARD_E2E_BASE_PORT` moves the whole set (edge = base, sidecars base+10…, engines base+20…).
 */
const base = Number(process.env.SWITCHYARD_E2E_BASE_PORT ?? 8797);

export const e2ePorts = {
  edge: base,
  replicas: [
    { port: base + 11, enginePort: base + 21 },
    { port: base + 12, enginePort: base + 22 },
  ],
};
export const e2eModel = 'sim-small';
/** Steady delay between streamed tokens in the simulators. */
export const interTokenMs = 20;
