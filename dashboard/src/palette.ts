/**
 * Okabe and Ito's colour-blind-safe palette (Color Universal Design), in an order that keeps the
 * first colours apart under every common colour-vision deficiency. Lines also differ by dash from
 * the ninth series on, so colour is never the only cue.
 */
export const palette = [
  '#0072B2', // blue
  '#E69F00', // orange
  '#009E73', // bluish green
  '#CC79A7', // reddish purple
  '#56B4E9', // sky blue
  '#D55E00', // vermillion
  '#000000', // black
  '#F0E442', // yellow (last: low contrast on white)
] as const;

export function seriesStyle(index: number): { stroke: string; dash: number[] | undefined } {
  return {
    stroke: palette[index % palette.length]!,
    dash: index >= palette.length ? [6, 4] : undefined,
  };
}
