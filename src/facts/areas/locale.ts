import { z } from 'zod';
import { sh, type FactArea, type SectionParser } from './area.js';
import { str, unquote } from './parse-helpers.js';

/** The locale fact area: its collector fragment, parser and schema. */

export const LocaleFacts = z.object({ lang: str, lc_all: str.optional() });

const script = sh`
section_locale() {
  for f in /etc/default/locale /etc/locale.conf; do
    [ -r "$f" ] && grep -E '^[[:space:]]*(LANG|LC_ALL)=' "$f"
  done
  return 0
}
`;

const parseLocale: SectionParser = ({ lines }) => {
  let lang: string | undefined;
  let lcAll: string | undefined;
  for (const line of lines) {
    const match = /^\s*(LANG|LC_ALL)=(.*)$/.exec(line);
    if (!match) continue;
    if (match[1] === 'LANG') lang = unquote(match[2]!);
    else lcAll = unquote(match[2]!);
  }
  // Nothing configured means the C library's default locale.
  return { locale: { lang: lang || 'C', ...(lcAll ? { lc_all: lcAll } : {}) } };
};

export const localeArea: FactArea = { section: 'locale', key: 'locale', script, parse: parseLocale };
