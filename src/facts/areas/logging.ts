import { z } from 'zod';
import { sh, type FactArea, type SectionParser } from './area.js';
import { keyValues, str, tabbed } from './parse-helpers.js';

/** The logging fact area: its collector fragment, parser and schema. */

export const LoggingFacts = z.object({
  journald_active: z.boolean(),
  logrotate_installed: z.boolean(),
  /** Paths in /etc/logrotate.d */
  logrotate_configs: z.array(str),
});

const script = sh`
section_logging() {
  # The time section asks systemd about journald with its time daemons (when they share a shell).
  if [ -n "\${JOURNALD_STATE-}" ]; then echo "journald=$JOURNALD_STATE"
  else have systemctl && echo "journald=$(systemctl is-active systemd-journald.service 2>/dev/null)"; fi
  have logrotate && echo "logrotate=yes"
  [ -d /etc/logrotate.d ] && for f in /etc/logrotate.d/*; do [ -f "$f" ] && printf 'C\t%s\n' "$f"; done
  return 0
}
`;

const parseLogging: SectionParser = ({ lines }) => {
  const kv = keyValues(lines);
  return {
    logging: {
      journald_active: kv.get('journald') === 'active',
      logrotate_installed: kv.get('logrotate') === 'yes',
      logrotate_configs: tabbed(lines, 'C').map(([path = '']) => path),
    },
  };
};

export const loggingArea: FactArea = { section: 'logging', key: 'logging', script, parse: parseLogging };
