// Draws memory over time as an SVG with Vega-Lite (compiled to Vega, rendered headless: no browser, no canvas): one
// panel per panel name (a db size), one line per series name in it, x in seconds since start, y in MiB.
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

// One line of the chart: which panel it is drawn in, its name in the legend, and its points (mib null: a gap, the
// line breaks there, e.g. between two runs of etcdctl).
export interface RssSeries {
  panel: string;
  name: string;
  points: { seconds: number; mib: number | null }[];
}

// The Vega-Lite spec of the chart: panels side by side, each with its own time axis (a bigger db takes longer),
// one memory axis for all so the heights compare.
export const rssChartSpec = (series: RssSeries[], title: string): TopLevelSpec => ({
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  title,
  data: { values: series.flatMap((s) => s.points.map((p) => ({ panel: s.panel, series: s.name, seconds: p.seconds, mib: p.mib }))) },
  facet: { column: { field: 'panel', type: 'nominal', sort: [...new Set(series.map((s) => s.panel))], title: null } },
  spec: {
    width: 320,
    height: 220,
    mark: 'line',
    encoding: {
      x: { field: 'seconds', type: 'quantitative', title: 'seconds since start' },
      y: { field: 'mib', type: 'quantitative', title: 'RSS (MiB)' },
      color: { field: 'series', type: 'nominal', sort: [...new Set(series.map((s) => s.name))], title: null, legend: { orient: 'bottom', columns: 2, labelLimit: 320 } },
    },
  },
  resolve: { scale: { x: 'independent' } },
  config: { background: 'white' },
});

// Renders the series to an SVG document.
export const renderRssChart = async (series: RssSeries[], title: string): Promise<string> => {
  const view = new vega.View(vega.parse(compile(rssChartSpec(series, title)).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
};
