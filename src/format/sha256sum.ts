// A hex SHA-256 as sha256sum prints it.
export const SHA256_HEX = /^[0-9a-f]{64}$/;

const SIDECAR_LINE = /^([0-9a-f]{64}) [ *](.+)\n?$/;

// A sha256sum line for name, as written beside each archive (`<archive>.sha256`).
export const sidecarText = (sha256: string, name: string): string => `${sha256}  ${name}\n`;

// The hex SHA-256 a sidecar's text records for name; undefined when malformed or naming another file.
export const parseSidecar = (text: string, name: string): string | undefined => {
  const match = SIDECAR_LINE.exec(text);
  return match && match[2] === name ? match[1] : undefined;
};
