import uPlot from 'uplot';
import { el } from './dom';
import { seriesStyle } from './palette';
import { pointCount, type Columns } from './time-series';

/**
 * One chart card: a uPlot line chart over time, or an empty state that says what to do when there
 * is nothing to draw yet. The card's `data-points` attribute counts the points that carry a
 * measurement, so a test (or a person with devtools) can tell a chart with data from an empty one
 * without reading pixels.
 */
export interface ChartCard {
  update(columns: Columns, emptyText: string): void;
}

function latestValues(columns: Columns, unit: (value: number) => string): string {
  return columns.series
    .map((s) => {
      const last = [...s.values].reverse().find((v) => v !== null);
      return `${s.label} ${last === undefined || last === null ? 'none' : unit(last)}`;
    })
    .join(', ');
}

export function chartCard(
  container: HTMLElement,
  options: { title: string; unit: (value: number) => string; yMin?: number; yMax?: number },
): ChartCard {
  const body = el('div', { className: 'chart-body' });
  const empty = el('p', { className: 'empty' });
  container.replaceChildren(el('h3', { text: options.title }), body, empty);
  let plot: uPlot | undefined;
  let labels = '';

  return {
    update(columns, emptyText) {
      const points = pointCount(columns);
      container.dataset.points = String(points);
      const nothing = points === 0;
      empty.textContent = nothing ? emptyText : '';
      empty.hidden = !nothing;
      body.hidden = nothing;
      if (nothing) return;
      // A canvas says nothing to a screen reader: the card's label carries the latest values.
      body.setAttribute('role', 'img');
      body.setAttribute(
        'aria-label',
        `${options.title}. Latest: ${latestValues(columns, options.unit)}`,
      );
      const data = [columns.x, ...columns.series.map((s) => s.values)] as uPlot.AlignedData;
      // Same series as last time: only the data changes, and uPlot redraws in place.
      const nextLabels = columns.series.map((s) => s.label).join('\u0000');
      if (plot !== undefined && nextLabels === labels) {
        plot.setData(data);
        return;
      }
      plot?.destroy();
      labels = nextLabels;
      const range: uPlot.Scale.Range | undefined =
        options.yMin !== undefined || options.yMax !== undefined
          ? (_u, min, max) => [options.yMin ?? min, options.yMax ?? max]
          : undefined;
      plot = new uPlot(
        {
          width: Math.max(280, body.clientWidth || container.clientWidth - 24),
          height: 200,
          scales: { x: { time: true }, y: range === undefined ? {} : { range } },
          axes: [{}, { values: (_u, ticks) => ticks.map(options.unit), size: 70 }],
          series: [
            {},
            ...columns.series.map((s, i) => ({
              label: s.label,
              width: 2,
              ...seriesStyle(i),
              // A percentile or rate has gaps where nothing was measured: join the measurements
              // and mark each one, or a lone measurement between two gaps would not show at all.
              ...(s.values.includes(null)
                ? { spanGaps: true, points: { show: true, size: 6 } }
                : {}),
              value: (_u: uPlot, v: number | null) => (v === null ? '—' : options.unit(v)),
            })),
          ],
        },
        data,
        body,
      );
    },
  };
}
