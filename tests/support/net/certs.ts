import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';

// Paths of a throwaway PKI for TLS tests; otherCa is an unrelated CA that signed none of these.
export interface Certs {
  ca: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  otherCa: string;
  otherCaKey: string;
}

const OPENSSL_CONFIG = `[req]
distinguished_name = dn
[dn]
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

const openssl = async (args: string[]): Promise<void> => {
  await execa('openssl', args, { stdin: 'ignore' });
};

const randomSerial = (): string => `0x${Date.now().toString(16)}${Math.floor(Math.random() * 0xffffff).toString(16)}`;

const makeCa = async (config: string, cert: string, key: string, cn: string): Promise<void> => {
  await openssl(['req', '-x509', '-new', ...EC_KEY, '-keyout', key, '-out', cert, '-subj', `/CN=${cn}`,
    '-days', '7', '-config', config, '-extensions', 'ca']);
};

const makeLeaf = async (dir: string, config: string, name: string, cn: string, ca: string, caKey: string): Promise<void> => {
  const csr = join(dir, `${name}.csr`);
  await openssl(['req', '-new', ...EC_KEY, '-keyout', join(dir, `${name}.key`), '-out', csr, '-subj', `/CN=${cn}`,
    '-config', config]);
  await openssl(['x509', '-req', '-in', csr, '-CA', ca, '-CAkey', caKey, '-set_serial', randomSerial(),
    '-days', '7', '-extfile', config, '-extensions', name, '-out', join(dir, `${name}.crt`)]);
  await rm(csr, { force: true });
};

// Writes a CA, a server cert (CN=etcd, SAN IP:127.0.0.1 and DNS:localhost), a client cert and an unrelated CA into dir.
export const makeCerts = async (dir: string): Promise<Certs> => {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const config = join(dir, 'openssl.cnf');
  await writeFile(config, OPENSSL_CONFIG);
  const certs: Certs = {
    ca: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
    clientCert: join(dir, 'client.crt'),
    clientKey: join(dir, 'client.key'),
    otherCa: join(dir, 'other-ca.crt'),
    otherCaKey: join(dir, 'other-ca.key'),
  };
  await Promise.all([
    makeCa(config, certs.ca, certs.caKey, 'etcd-test-ca'),
    makeCa(config, certs.otherCa, certs.otherCaKey, 'unrelated-test-ca'),
  ]);
  await Promise.all([
    makeLeaf(dir, config, 'server', 'etcd', certs.ca, certs.caKey),
    makeLeaf(dir, config, 'client', 'etcd-client', certs.ca, certs.caKey),
  ]);
  await Promise.all([certs.caKey, certs.serverKey, certs.clientKey, certs.otherCaKey].map((key) => chmod(key, 0o600)));
  await rm(config, { force: true });
  return certs;
};
