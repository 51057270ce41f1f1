/**
 * SQL for the sum of a group's stored response-time sketches, for every reader of the SLA buckets: the sketches
 * one after the other as one bytea (`string_agg`), which `ResponseTimeSketch.sumEncoded` reads as their sum
 * (PostgreSQL copies bytes; nothing is printed or parsed). A group with none gives an empty bytea, the empty
 * sketch: a bucket delta without response times stores NULL, and `string_agg` over NULLs only is NULL.
 */
export const summedSketches = (column: string): string =>
  `coalesce(string_agg(${column}, ''::bytea), ''::bytea)`;
