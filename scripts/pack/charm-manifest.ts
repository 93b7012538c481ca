import { stringify } from 'yaml';

// The Ubuntu releases the charms run on (Juju reads them from manifest.yaml; metadata.yaml's series is deprecated).
export const UBUNTU_CHANNELS = ['22.04', '24.04'];

// manifest.yaml as charmcraft writes it: the bases the charm runs on, each for the one architecture it carries.
export const renderManifest = (architecture: string, channels: readonly string[] = UBUNTU_CHANNELS): string =>
  stringify({ bases: channels.map((channel) => ({ name: 'ubuntu', channel, architectures: [architecture] })) });
