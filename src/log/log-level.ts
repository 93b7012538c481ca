// Log levels, named as juju-log accepts them.
export type LogLevel = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';
