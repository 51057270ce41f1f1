// A clone must hold everything its docs and code comments send a reader to: the definitions the figures rest on
// live in docs/definitions.md, not in a brief kept beside the repository that nobody who clones it can read.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// This file names the patterns it looks for, so it is the one file they may appear in.
const THIS_FILE = 'test/unit/repository-stands-alone.test.ts';

/** References to material outside the repository: the product brief, its figures file, a sibling folder. */
const OUTSIDE_REFERENCES = [/PRODUCT\.md/, /seed-facts\.md/, /\.\.\/shared\b/];

/** A root-relative path into docs/ (not one inside a package's own docs/ folder). */
const DOCS_PATH = /(?<![\w./-])docs\/[\w./-]+\.md\b/g;

/** Tracked files and new ones not ignored (so a reference is caught before it is committed), text only. */
function repositoryTexts(): { path: string; text: string }[] {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  const paths = [...new Set(listed.split('\0').filter((path) => path.length > 0))];
  return paths
    .filter((path) => existsSync(`${ROOT}${path}`)) // deleted in the work tree, not yet in the index
    .map((path) => ({ path, bytes: readFileSync(`${ROOT}${path}`) }))
    .filter(({ bytes }) => !bytes.includes(0)) // images and other binaries
    .map(({ path, bytes }) => ({ path, text: bytes.toString('utf8') }));
}

describe('the repository stands alone', () => {
  const files = repositoryTexts();

  it('reads the files of the repository', () => {
    expect(files.map((file) => file.path)).toEqual(
      expect.arrayContaining(['README.md', 'docs/definitions.md', 'packages/domain/src/sla-figures.ts']),
    );
  });

  it('refers to no brief or folder outside it', () => {
    const offending = files
      .filter((file) => file.path !== THIS_FILE)
      .flatMap((file) =>
        file.text
          .split('\n')
          .map((line, i) => ({ line, at: `${file.path}:${i + 1}` }))
          .filter(({ line }) => OUTSIDE_REFERENCES.some((pattern) => pattern.test(line)))
          .map(({ line, at }) => `${at}: ${line.trim()}`),
      );
    expect(offending).toEqual([]);
  });

  it('has every docs/ page that a file names', () => {
    const missing = files.flatMap((file) =>
      [...file.text.matchAll(DOCS_PATH)]
        .map((match) => match[0])
        .filter((path) => !existsSync(`${ROOT}${path}`))
        .map((path) => `${file.path} names ${path}`),
    );
    expect(missing).toEqual([]);
  });
});
