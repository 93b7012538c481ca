import t from 'tap';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { charmVariants, checkPrincipalMetadata, configWithout, PRINCIPAL_ONLY_OPTIONS, subordinateMetadata } from '../../scripts/pack/charm-variants.ts';
import { renderManifest } from '../../scripts/pack/charm-manifest.ts';
import { CHARM_DIR } from '../support/juju/charm-run.ts';

const CONFIG = [
  'options:',
  '  snapshot-dir:',
  '    type: string',
  '    default: /home/ubuntu/etcd-snapshots',
  '    description: Where snapshots go.',
  '  etcd-install:',
  '    type: boolean',
  '    default: false',
  '    description: |',
  '      Install etcd-server when no etcd is on the unit.',
  '      principal only.',
  '  etcd-service:',
  '    type: string',
  '    default: snap.etcd.etcd',
  '    description: "systemd unit: etcd"',
  '',
].join('\n');

t.test('configWithout cuts etcd-install and leaves every other byte as it was', async (t) => {
  t.strictSame(PRINCIPAL_ONLY_OPTIONS, ['etcd-install']);
  const cut = configWithout(CONFIG, PRINCIPAL_ONLY_OPTIONS);
  t.equal(cut, CONFIG.replace(/ {2}etcd-install:\n(?: {4}.*\n)+/, ''));
  t.strictSame(Object.keys((parse(cut) as { options: object }).options), ['snapshot-dir', 'etcd-service']);
});

t.test('configWithout of an option that is not there returns the text unchanged', async (t) => {
  const without = CONFIG.replace(/ {2}etcd-install:\n(?: {4}.*\n)+/, '');
  t.equal(configWithout(without, ['etcd-install']), without);
});

t.test('configWithout cuts the last option too', async (t) => {
  const last = 'options:\n  a:\n    type: int\n    default: 1\n    description: a\n  etcd-install:\n    type: boolean\n    default: false\n    description: b\n';
  t.equal(configWithout(last, ['etcd-install']), 'options:\n  a:\n    type: int\n    default: 1\n    description: a\n');
});

t.test('configWithout refuses a config.yaml it cannot cut cleanly', async (t) => {
  const flow = 'options: {a: {type: int, default: 1, description: a}, etcd-install: {type: boolean, default: false, description: b}}\n';
  t.throws(() => configWithout(flow, ['etcd-install']), new Error('config.yaml could not be cut without etcd-install: an option is not written as "  name:" with its keys indented under it'));
});

t.test("the repository's config.yaml: the subordinate's has every option but the principal-only ones", async (t) => {
  const config = await readFile(join(CHARM_DIR, 'config.yaml'), 'utf8');
  const [principal, subordinate] = await charmVariants(CHARM_DIR);
  t.equal(principal!.config, config);
  const all = (parse(config) as { options: Record<string, unknown> }).options;
  const expected = Object.fromEntries(Object.entries(all).filter(([name]) => name !== 'etcd-install'));
  t.strictSame((parse(subordinate!.config) as { options: Record<string, unknown> }).options, expected);
});

t.test('the subordinate metadata is the principal with its own keys laid over', async (t) => {
  const principal = await readFile(join(CHARM_DIR, 'metadata.yaml'), 'utf8');
  const own = await readFile(join(CHARM_DIR, 'charms', 'etcd-backup', 'metadata.yaml'), 'utf8');
  const made = parse(subordinateMetadata(principal, own)) as Record<string, unknown>;
  const base = parse(principal) as Record<string, unknown>;
  t.equal(made.name, 'etcd-backup');
  t.equal(made.subordinate, true);
  t.strictSame(made.requires, { 'juju-info': { interface: 'juju-info', scope: 'container' } });
  t.strictSame(made.peers, { cluster: { interface: 'etcd' } });
  t.strictSame(made.peers, base.peers, 'the same cluster peer relation');
  t.strictSame(made.resources, base.resources, 'the same snapshot resource');
  t.strictSame(made.assumes, ['juju >= 3.3']);
  t.equal('series' in made, false);
  t.strictSame(made.provides, { 'metrics-endpoint': { interface: 'prometheus_scrape' }, 'cos-agent': { interface: 'cos_agent', limit: 1 } }, 'the same observability relations');
  t.strictSame(made.provides, base.provides);
  t.strictSame(Object.keys(made), ['name', 'display-name', 'summary', 'description', 'maintainers', 'subordinate', 'assumes', 'requires', 'peers', 'resources', 'provides']);
  const [etcd, backup] = await charmVariants(CHARM_DIR);
  t.strictSame([etcd!.name, etcd!.subordinate, backup!.name, backup!.subordinate], ['etcd', false, 'etcd-backup', true]);
  t.equal(etcd!.metadata, principal, "the principal's metadata.yaml is the repository's own");
});

t.test('the principal may not carry the deprecated series, and the overlay must be a subordinate', async (t) => {
  t.throws(() => checkPrincipalMetadata('name: etcd\nseries: [jammy]\n'), new Error('metadata.yaml has the deprecated series key; bases are written to manifest.yaml (scripts/pack/charm-manifest.ts), remove series'));
  t.throws(() => subordinateMetadata('name: etcd\n', 'name: etcd-backup\n'), new Error('charms/etcd-backup/metadata.yaml must say subordinate: true'));
});

t.test('manifest.yaml lists Ubuntu 22.04 and 24.04 for the one architecture', async (t) => {
  t.strictSame(parse(renderManifest('arm64')), {
    bases: [
      { name: 'ubuntu', channel: '22.04', architectures: ['arm64'] },
      { name: 'ubuntu', channel: '24.04', architectures: ['arm64'] },
    ],
  });
});
