import t from 'tap';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { renderRssChart, type RssSeries } from '../../scripts/bench/rss-chart.ts';

// An element of the parsed SVG: its tag, attributes, children and own text.
interface Node { tag: string; attrs: Record<string, string>; children: Node[]; text: string }

type Raw = Record<string, unknown>;
const toNodes = (raws: Raw[]): Node[] => raws.flatMap((raw) => {
  const tag = Object.keys(raw).find((k) => k !== ':@');
  if (tag === undefined || tag === '#text') return [];
  const kids = raw[tag] as Raw[];
  const text = kids.filter((k) => '#text' in k).map((k) => String(k['#text'])).join('');
  return [{ tag, attrs: (raw[':@'] ?? {}) as Record<string, string>, children: toNodes(kids), text }];
});
const all = (nodes: Node[]): Node[] => nodes.flatMap((n) => [n, ...all(n.children)]);
const parse = (svg: string): Node[] =>
  toNodes(new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', parseTagValue: false }).parse(svg) as Raw[]);
const withClass = (nodes: Node[], name: string): Node[] => all(nodes).filter((n) => (n.attrs.class ?? '').split(' ').includes(name));

const line = (panel: string, name: string, mibs: (number | null)[]): RssSeries => ({ panel, name, points: mibs.map((mib, i) => ({ seconds: i / 10, mib })) });
const SERIES = [
  line('db 256 MiB', 'agent (Node)', [50, 60, 61, 60]),
  line('db 256 MiB', 'etcdctl run by the agent', [20, 30, null, 280, 281]),
  line('db 256 MiB', 'raw etcdctl snapshot save', [21, 31, 32]),
  line('db 1024 MiB', 'agent (Node)', [50, 62, 63, 62, 61]),
  line('db 1024 MiB', 'raw etcdctl snapshot save', [22, 40]),
];

t.test('one panel per size, one line per series with a vertex per point, the names in the legend', async (t) => {
  const svg = await renderRssChart(SERIES, 'RSS during one snapshot');
  t.equal(XMLValidator.validate(svg), true);
  const doc = parse(svg);
  t.equal(doc[0]?.tag, 'svg');
  t.strictSame(withClass(doc, 'role-legend-label').flatMap((g) => all(g.children).filter((n) => n.tag === 'text').map((n) => n.text)),
    ['agent (Node)', 'etcdctl run by the agent', 'raw etcdctl snapshot save']);
  t.strictSame(withClass(doc, 'role-column-header').flatMap((g) => all(g.children).filter((n) => n.tag === 'text').map((n) => n.text)), ['db 256 MiB', 'db 1024 MiB']);
  t.strictSame(withClass(doc, 'role-title-text').map((g) => all(g.children).find((n) => n.tag === 'text')?.text).at(-1), 'RSS during one snapshot');
  const lines = withClass(doc, 'mark-line').flatMap((g) => g.children.filter((n) => n.tag === 'path' && n.attrs.role === 'graphics-symbol'));
  t.strictSame(lines.map((p) => p.attrs['aria-label']), SERIES.map((s) => `seconds since start: 0; RSS (MiB): ${s.points[0]?.mib}; series: ${s.name}`));
  t.strictSame(lines.map((p) => (p.attrs.d ?? '').split(/[ML]/).filter(Boolean).length), SERIES.map((s) => s.points.filter((p) => p.mib !== null).length));
  t.strictSame(lines.map((p) => (p.attrs.d ?? '').split('M').length - 1), [1, 2, 1, 1, 1], 'the line breaks at the gap');
  t.equal(new Set(lines.map((p) => p.attrs.stroke)).size, 3, 'a colour per series name, the same in every panel');
});
