/**
 * Ordering, as pure data: nodes in declaration order and "from before to"
 * edges in, a deterministic order or the cycle out.
 */

export interface OrderingEdge {
  /** Must be applied first. */
  from: string;
  to: string;
  /** True for subscribe/notify: a change in `from` refreshes `to`. */
  refresh: boolean;
}

export type OrderResult = { ok: true; order: string[] } | { ok: false; cycle: string[] };

/**
 * Kahn's algorithm, always taking the earliest-declared ready node, so the
 * order is "dependencies first, ties by manifest order" and never depends on
 * hash or insertion order of the edges.
 */
export function orderResources(nodes: readonly string[], edges: readonly OrderingEdge[]): OrderResult {
  const rank = new Map(nodes.map((node, index) => [node, index]));
  const successors = new Map<string, Set<string>>(nodes.map((node) => [node, new Set()]));
  const indegree = new Map<string, number>(nodes.map((node) => [node, 0]));
  for (const edge of edges) {
    const next = successors.get(edge.from);
    if (!next || !indegree.has(edge.to) || next.has(edge.to)) continue;
    next.add(edge.to);
    indegree.set(edge.to, indegree.get(edge.to)! + 1);
  }
  const ready = nodes.filter((node) => indegree.get(node) === 0);
  const order: string[] = [];
  while (ready.length > 0) {
    // Small graphs: a sorted array is clearer than a heap and fast enough.
    ready.sort((a, b) => rank.get(a)! - rank.get(b)!);
    const node = ready.shift()!;
    order.push(node);
    for (const next of successors.get(node)!) {
      const remaining = indegree.get(next)! - 1;
      indegree.set(next, remaining);
      if (remaining === 0) ready.push(next);
    }
  }
  if (order.length === nodes.length) return { ok: true, order };
  const placed = new Set(order);
  return {
    ok: false,
    cycle: findCycle(
      nodes.filter((node) => !placed.has(node)),
      successors,
    ),
  };
}

/** A cycle among the nodes Kahn could not place, starting and ending at the earliest-declared one on it. */
function findCycle(remaining: readonly string[], successors: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const inRemaining = new Set(remaining);
  for (const start of remaining) {
    // Depth-first search from `start` back to `start`, visiting successors in declaration order.
    const stack: { node: string; path: string[] }[] = [{ node: start, path: [start] }];
    const seen = new Set<string>();
    while (stack.length > 0) {
      const { node, path } = stack.pop()!;
      const next = [...(successors.get(node) ?? [])].filter((n) => inRemaining.has(n));
      if (next.includes(start)) return [...path, start];
      for (const candidate of next.sort((a, b) => remaining.indexOf(b) - remaining.indexOf(a))) {
        if (seen.has(candidate)) continue;
        seen.add(candidate);
        stack.push({ node: candidate, path: [...path, candidate] });
      }
    }
  }
  // Unreachable: nodes left over by Kahn always contain a cycle.
  return [...remaining];
}

export function formatCycle(cycle: readonly string[]): string {
  return cycle.join(' → ');
}
