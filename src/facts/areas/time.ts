import { z } from 'zod';
import { sh, type FactArea, type SectionParser } from './area.js';
import { keyValues, str } from './parse-helpers.js';

/** The time fact area: its collector fragment, parser and schema. */

export const TimeFacts = z.object({
  timezone: str,
  /** The time daemons running: systemd-timesyncd, chronyd, ntpd… */
  ntp_services: z.array(str),
  synchronized: z.boolean().optional(),
});

const script = sh`
section_time() {
  tz=
  if [ -L /etc/localtime ]; then tz=$(readlink /etc/localtime); tz=\${tz#*zoneinfo/}; fi
  [ -z "$tz" ] && [ -r /etc/timezone ] && tz=$(cat /etc/timezone)
  echo "timezone=$tz"
  if have systemctl && [ -d /run/systemd/system ]; then
    # journald's state rides along for the logging section: one systemctl for both.
    set -- systemd-timesyncd chrony ntp ntpsec openntpd systemd-journald
    states=$(systemctl is-active systemd-timesyncd.service chrony.service ntp.service ntpsec.service openntpd.service systemd-journald.service 2>/dev/null)
    for s in $states; do
      if [ "$1" = systemd-journald ]; then JOURNALD_STATE=$s; else [ "$s" = active ] && echo "ntp=$1"; fi
      shift
    done
  fi
  [ -e /run/systemd/timesync/synchronized ] && echo "synchronized=yes"
  return 0
}
`;

const parseTime: SectionParser = ({ lines }) => {
  const ntp = lines.filter((l) => l.startsWith('ntp=')).map((l) => l.slice(4));
  const timezone = keyValues(lines).get('timezone')?.trim() || 'Etc/UTC';
  const synced = lines.includes('synchronized=yes');
  return {
    time: {
      timezone,
      ntp_services: ntp,
      // timesyncd drops a flag file when synchronized; other daemons are not asked (that would need their clients).
      ...(synced ? { synchronized: true } : ntp.includes('systemd-timesyncd') ? { synchronized: false } : {}),
    },
  };
};

export const timeArea: FactArea = { section: 'time', key: 'time', script, parse: parseTime };
