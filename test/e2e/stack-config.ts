/** Ports apart from `npm start`'s (8787, 81xx, 82xx) so both can run at once. */
export const e2ePorts = {
  edge: 8797,
  replicas: [
    { port: 8111, enginePort: 8211 },
    { port: 8112, enginePort: 8212 },
  ],
};
export const e2eModel = 'sim-small';
/** Steady delay between streamed tokens in the simulators. */
export const interTokenMs = 20;
