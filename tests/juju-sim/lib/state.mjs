// State of the simulated unit, kept as JSON files in $JUJU_SIM_DIR.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// The state directory, or null when the simulator was not set up.
export const simDir = () => process.env.JUJU_SIM_DIR || null;

// Read a JSON file from the state directory, or `fallback` when it is absent.
export const readJson = (name, fallback) => {
  const file = join(simDir(), name);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : fallback;
};

// Replace a JSON file in the state directory.
export const writeJson = (name, value) => {
  writeFileSync(join(simDir(), name), JSON.stringify(value, null, 2));
};

// Append one record to a JSON-lines file in the state directory.
export const appendJsonl = (name, value) => {
  appendFileSync(join(simDir(), name), JSON.stringify(value) + '\n');
};

// What the test declared about the unit (params, config, relations, ...).
export const readSetup = () => readJson('setup.json', {});
