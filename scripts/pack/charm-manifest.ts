import { stringify } from 'yaml';

// Ubuntu releases by series name, for the bases Juju reads from manifest.yaml.
const UBUNTU_CHANNELS: Record<string, string> = { focal: '20.04', jammy: '22.04', noble: '24.04' };

// manifest.yaml as charmcraft writes it: the bases the charm runs on (Juju prefers it to metadata's series).
export const renderManifest = (series: readonly string[], architecture: string): string => {
  if (series.length === 0) throw new Error('metadata.yaml declares no series, so the charm has no base to run on');
  const bases = series.map((name) => {
    const channel = UBUNTU_CHANNELS[name];
    if (!channel) throw new Error(`metadata.yaml series "${name}" is not one of ${Object.keys(UBUNTU_CHANNELS).join(', ')}; add it to scripts/pack/charm-manifest.ts`);
    return { name: 'ubuntu', channel, architectures: [architecture] };
  });
  return stringify({ bases });
};
