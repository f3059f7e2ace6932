/** Where an environment finds the machine-wide archive of .debs (a volume the Docker backend mounts). */
export const SHARED_APT_ARCHIVE = '/var/cache/devenv/apt-archives';
const OWN_APT_ARCHIVE = '/var/cache/apt/archives';

/**
 * Runs an apt command with the machine-wide archive, when the target has one: the
 * .debs it holds are copied in first (apt still checks each against its lists),
 * and what apt downloaded is copied back after, under a temporary name renamed
 * into place so that environments working at once never see half a file. One
 * round trip; without the archive (a VM, production) it is just the command.
 */
export const APT_WITH_SHARED_ARCHIVE_SCRIPT = [
  'shared="$1"; own="$2"; shift 2',
  // One cp for all of them (a cp per file cost ~80 ms for 50 packages); a glob that matched nothing is skipped.
  'copy_in() { [ -e "$1" ] && cp -n -- "$@" "$own"/ || true; }',
  'if [ -d "$shared" ]; then copy_in "$shared"/*.deb; fi',
  '"$@"; status=$?',
  'if [ -d "$shared" ] && [ "$status" -eq 0 ]; then',
  '  for f in "$own"/*.deb; do',
  '    [ -e "$f" ] || continue; b=${f##*/}',
  '    [ -e "$shared/$b" ] || { cp "$f" "$shared/.$b.$$" && mv -f "$shared/.$b.$$" "$shared/$b"; } || true',
  '  done',
  'fi',
  'exit "$status"',
].join('\n');

export function withSharedAptArchive(argv: readonly string[], shared = SHARED_APT_ARCHIVE, own = OWN_APT_ARCHIVE): string[] {
  return ['sh', '-c', APT_WITH_SHARED_ARCHIVE_SCRIPT, 'devenv-apt', shared, own, ...argv];
}
