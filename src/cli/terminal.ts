// A terminal the CLI draws on: its width now, and a raw write (no newline added).
export interface Terminal {
  readonly columns: number;
  write(text: string): void;
}

// stderr as a Terminal when it is one (a TTY), else undefined (progress then goes out as plain lines).
export const stderrTerminal = (): Terminal | undefined =>
  process.stderr.isTTY
    ? {
        get columns() {
          return process.stderr.columns || 80;
        },
        write: (text) => void process.stderr.write(text),
      }
    : undefined;
