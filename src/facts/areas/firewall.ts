import { z } from 'zod';
import { sha256 } from '../../core/hash.js';
import { sh, type FactArea, type SectionParser } from './area.js';
import { keyValues, str } from './parse-helpers.js';

/** The firewall fact area: its collector fragment, parser and schema. */

export const FirewallFacts = z.object({
  backend: z.enum(['nftables', 'iptables', 'none', 'unknown']),
  /** Inbound default: drop | reject | accept | unknown */
  default_input: str,
  rules_sha256: str.optional(),
  /** False when the ruleset could not be read (no privileges). */
  readable: z.boolean(),
});

const script = sh`
section_firewall() {
  if have nft; then
    if out=$(nft -s list ruleset 2>&1); then
      echo "backend=nftables"; printf '%s\n' "$out" | sed 's/^/| /'; return 0
    fi
    echo "unreadable=nft: $(first_line "$out")"
  fi
  if have iptables; then
    if out=$(iptables -S 2>&1); then
      echo "backend=iptables"; printf '%s\n' "$out" | sed 's/^/| /'; return 0
    fi
    echo "unreadable=iptables: $(first_line "$out")"
  fi
  if ! have nft && ! have iptables; then echo "backend=none"; fi
  return 0
}
`;

/** The inbound policy a packet meets: drop when any input-hook base chain drops. */
export function nftDefaultInput(ruleset: string): string {
  const policies: string[] = [];
  const chainPattern = /type\s+filter\s+hook\s+input\b[^;]*;[^}]*?policy\s+(\w+)\s*;/g;
  for (const match of ruleset.matchAll(chainPattern)) policies.push(match[1]!.toLowerCase());
  if (policies.length === 0) return 'accept';
  if (policies.includes('drop')) return 'drop';
  if (policies.includes('reject')) return 'reject';
  return policies[0]!;
}

const parseFirewall: SectionParser = ({ lines }) => {
  const kv = keyValues(lines);
  const backend = kv.get('backend');
  const rules = lines.filter((l) => l.startsWith('| ') || l === '|').map((l) => l.slice(2));
  const text = rules.join('\n').trim();
  if (backend === 'nftables') {
    return { firewall: { backend: 'nftables', default_input: nftDefaultInput(text), rules_sha256: sha256(text), readable: true } };
  }
  if (backend === 'iptables') {
    const policy = /^-P INPUT (\w+)/m.exec(text)?.[1]?.toLowerCase() ?? 'unknown';
    return { firewall: { backend: 'iptables', default_input: policy, rules_sha256: sha256(text), readable: true } };
  }
  if (backend === 'none') return { firewall: { backend: 'none', default_input: 'unknown', readable: false } };
  const unreadable = kv.get('unreadable') ?? '';
  return {
    firewall: {
      backend: unreadable.startsWith('nft') ? 'nftables' : unreadable.startsWith('iptables') ? 'iptables' : 'unknown',
      default_input: 'unknown',
      readable: false,
    },
  };
};

export const firewallArea: FactArea = { section: 'firewall', key: 'firewall', script, parse: parseFirewall };
