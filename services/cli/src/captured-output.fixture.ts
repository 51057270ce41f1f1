import { Writable } from 'node:stream';

/** A writable that keeps what the CLI writes, for tests to read back as `text`. */
export class CapturedOutput extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}
