import { describe, expect, it } from 'vitest';
import { CapturedOutput } from '../captured-output.fixture.ts';
import { importCommand } from './import-command.ts';

describe('carestream import --help', () => {
  it('says that events older than the retention window are refused, and where they go', () => {
    let help = '';
    importCommand({ env: {}, stdout: new CapturedOutput(), stderr: new CapturedOutput() })
      .configureOutput({ writeOut: (text) => (help += text) })
      .outputHelp();
    expect(help.replace(/\s+/g, ' ')).toContain(
      'ingest refuses an event older than its retention window (CARESTREAM_RETENTION_DAYS on the ingest ' +
        'service, 400 days by default); it goes to the rejects file with its field (receivedAt, sentAt or publishedAt)',
    );
    expect(help.replace(/\s+/g, ' ')).toContain(
      'Files may come in any order: all the mentions, then all the replies, or one export per channel after another',
    );
  });
});
