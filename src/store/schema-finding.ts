/** What `rapport doctor` says of a database's schema version, the same for both engines. */
export function schemaFinding(
  version: number,
  current: number,
): { check: 'schema'; ok: boolean; detail: string } {
  if (version === current)
    return { check: 'schema', ok: true, detail: `schema version ${version} is current` };
  if (version < current)
    return {
      check: 'schema',
      ok: false,
      detail: `schema version ${version}, this program writes ${current}: run \`rapport migrate\``,
    };
  return {
    check: 'schema',
    ok: false,
    detail: `schema version ${version} is newer than this program knows (${current}): run the newer Rapport`,
  };
}
