import { open, rm, stat, truncate, type FileHandle } from 'node:fs/promises';
import type { RejectReason } from './csv-item.ts';

export interface RejectedLine {
  readonly line: number;
  /** The line (or CSV record) as it is in the file. */
  readonly raw: string;
  readonly reasons: readonly RejectReason[];
}

/** Appends rejected lines to an NDJSON file, `{line, item, errors}` per line; created on the first reject. */
export class RejectsWriter {
  private handle: FileHandle | undefined;

  private constructor(
    readonly path: string,
    private length: number,
  ) {}

  /** A fresh import: any rejects file of an earlier run goes. */
  static async fresh(path: string): Promise<RejectsWriter> {
    await rm(path, { force: true });
    return new RejectsWriter(path, 0);
  }

  /** A resumed import: the file is cut back to what the checkpoint counted, dropping unacknowledged lines. */
  static async resumed(path: string, length: number): Promise<RejectsWriter> {
    try {
      // Never grow it: truncate would pad a shorter file with zero bytes.
      const size = (await stat(path)).size;
      if (size > length) await truncate(path, length);
      return new RejectsWriter(path, Math.min(size, length));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new RejectsWriter(path, 0);
      throw error;
    }
  }

  /** Bytes written so far, for the checkpoint. */
  get bytes(): number {
    return this.length;
  }

  async write(rejected: readonly RejectedLine[]): Promise<void> {
    if (rejected.length === 0) return;
    const text = rejected
      .map((entry) => JSON.stringify({ line: entry.line, item: entry.raw, errors: entry.reasons }))
      .join('\n');
    const buffer = Buffer.from(`${text}\n`, 'utf8');
    this.handle ??= await open(this.path, 'a');
    await this.handle.write(buffer);
    await this.handle.datasync();
    this.length += buffer.length;
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
  }
}
