/** What a command may touch of its process: passed in, so tests run commands in-process. */
export interface CliIo {
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: NodeJS.WritableStream & { readonly isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream;
  /**
   * A signal aborted when the user asks to stop (Ctrl-C), for commands that stop at a safe point rather
   * than die; only such commands ask for it. Absent: nothing interrupts.
   */
  readonly interruptSignal?: () => AbortSignal;
  /** The time now (ms); absent: the wall clock. Tests move it to fixed instants. */
  readonly clock?: () => number;
  /** Sets the process exit code (the default is 0; a thrown error gives 1). */
  readonly setExitCode?: (code: number) => void;
}
