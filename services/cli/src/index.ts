export { buildProgram } from './program.ts';
export type { CliIo } from './cli-io.ts';
export {
  runImport,
  formatSummary,
  type ImportOptions,
  type ImportIo,
  type ImportSummary,
} from './import/importer.ts';
export { csvRowToItem } from './import/csv-item.ts';
export { createKey, listKeys, revokeKey, formatKeyTable } from './keys/key-admin.ts';
